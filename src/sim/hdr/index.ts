export {
  LatencyDistribution,
  MAX_LATENCY_MS,
  type LatencyDistributionOptions,
  type LatencyPercentiles,
  type SignificantDigits,
} from './latency-distribution.js';
export {
  DEFAULT_TIMELINE_BUCKET_MS,
  LatencyTimeline,
  type LatencyTimelineOptions,
  type TimelinePoint,
} from './latency-timeline.js';
