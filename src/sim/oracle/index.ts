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
export { samplePercentiles, type CheckFinding, type SamplePercentiles } from './check-finding.js';
export { checkPushes, PUSH_VIOLATION_KINDS } from './push-check.js';
export type {
  AssumedPushPolicy,
  PushCheckInput,
  PushCheckOptions,
  PushCheckReport,
  PushNotificationRecord,
  PushRegistrationRecord,
  PushViolation,
  PushViolationKind,
} from './push-check.js';
export { checkPresence, presenceContacts } from './presence-check.js';
export type {
  PresenceCheckInput,
  PresenceCheckOptions,
  PresenceCheckReport,
  PresenceViewRecord,
  PresenceViolation,
} from './presence-check.js';
export { checkTyping } from './typing-check.js';
export type {
  TypingCheckInput,
  TypingCheckOptions,
  TypingCheckReport,
  TypingViewRecord,
  TypingViolation,
} from './typing-check.js';
