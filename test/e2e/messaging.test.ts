import { messagingSuite } from './suites/messaging.js';

messagingSuite();
