export { checkRun, DEFAULT_MAX_LISTED, DEFAULT_SETTLE_MS, VIOLATION_KINDS, WARNING_KINDS } from './check-run.js';
export { deviceKey } from './run-index.js';
export type {
  ConnectionWindow,
  Lookup,
  OracleInput,
  OracleOptions,
  OracleReport,
  OracleViolation,
  OracleViolationKind,
  OracleWarning,
  OracleWarningKind,
  SeqRange,
} from './oracle-types.js';
