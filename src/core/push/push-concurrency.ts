/**
 * Notifications a pusher keeps in flight per platform (APNs, FCM), unless `--push-concurrency`
 * says otherwise. A provider's answer takes 20-100 ms across the internet, so a pusher's rate per
 * platform is about this over that: 32 held one to ~300-1,600 notifications/s there. Against the
 * local fakes (a few ms) 128 also carried 12-30% more than 32, at no more CPU per notification
 * (docs/benchmarks.md, ninth session); past it, the box's CPU was the limit. APNs and FCM multiplex
 * far more than this on their HTTP/2 connections.
 */
export const DEFAULT_PUSH_CONCURRENCY = 128;
