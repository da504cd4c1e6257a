/**
 * Notifications a pusher keeps in flight per platform (APNs, FCM), unless `--push-concurrency`
 * says otherwise. A provider's answer takes 20-100 ms across the internet, so a pusher's rate per
 * platform is about this over that: 32 held one to ~300-1,600 notifications/s there. Against the
 * local fakes (a few ms) 128 also carried 12-30% more than 32, at less CPU per notification, since
 * deeper batches share the badge reads (docs/benchmarks.md, ninth session). APNs and FCM multiplex
 * far more than this on their HTTP/2 connections.
 */
export const DEFAULT_PUSH_CONCURRENCY = 128;
