import { presenceSuite } from './suites/presence.js';

presenceSuite();
