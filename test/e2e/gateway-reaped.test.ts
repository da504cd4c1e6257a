import { gatewayReapedSuite } from './suites/gateway-reaped.js';

gatewayReapedSuite();
