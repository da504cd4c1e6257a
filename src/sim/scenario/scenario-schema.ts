import Type, { type Static, type TSchema } from 'typebox';
import { DEFAULT_LIMITS } from '../../core/protocol/limits.js';
import { DURATION_PATTERN_SOURCE } from './duration.js';

/**
 * The scenario file format, declared once. Every schema carries a `description` phrased as
 * what is expected ("an integer from 2 to 1000000"): the loader quotes it when a field is
 * wrong, and test/sim/scenario/doc-drift.test.ts keeps docs/scenarios.md naming every field.
 * Unknown fields are rejected, so a typo (`ratePerUsr`) fails loudly instead of falling back
 * to a default. Defaults and cross-field rules (min <= max, one rate) live in scenario.ts.
 */

export const MAX_USERS = 1_000_000;
export const MAX_DEVICES_PER_USER = 10;
/** The protocol's hard ceiling on members in one room.create frame. */
export const MAX_GROUP_CAP = 10_000;

const int = (minimum: number, maximum: number, description: string) => Type.Integer({ minimum, maximum, description });
const share = (description: string) =>
  Type.Number({ minimum: 0, maximum: 1, description: `${description} (a number from 0 to 1)` });
const strict = { additionalProperties: false } as const;
const ratio = () =>
  Type.Number({
    exclusiveMinimum: 0,
    description: "a ratio to the floor's figure (a number > 0; 2 means at most twice the floor's)",
  });

export const Duration = Type.Union(
  [
    Type.Number({ minimum: 0, description: 'a duration in milliseconds (a number >= 0)' }),
    Type.String({ pattern: DURATION_PATTERN_SOURCE, description: 'a duration string like 500ms, 10s, 2m, 1m30s' }),
  ],
  { description: 'a duration: milliseconds as a number, or a string like 500ms, 10s, 2m, 1m30s' },
);

const Weights = (keyPattern: string, description: string) =>
  Type.Record(
    Type.String({ pattern: keyPattern }),
    Type.Number({ minimum: 0, description: 'a weight (a number >= 0)' }),
    { ...strict, description },
  );

const MinMax = <T extends TSchema>(item: T, description: string) =>
  Type.Object({ min: item, max: item }, { ...strict, description });

export const ScenarioSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'a name of 1 to 100 characters' })),
    description: Type.Optional(Type.String({ maxLength: 2000, description: 'a text of at most 2000 characters' })),
    seed: Type.Optional(int(0, Number.MAX_SAFE_INTEGER, 'an integer >= 0')),
    users: int(2, MAX_USERS, `an integer from 2 to ${MAX_USERS}`),
    devicesPerUser: Type.Optional(
      Type.Union(
        [
          int(1, MAX_DEVICES_PER_USER, `a device count from 1 to ${MAX_DEVICES_PER_USER}`),
          Weights(
            `^([1-9]|${MAX_DEVICES_PER_USER})$`,
            `weights keyed by a device count from 1 to ${MAX_DEVICES_PER_USER}, like { 1: 0.6, 2: 0.3, 3: 0.1 }`,
          ),
        ],
        { description: `a device count from 1 to ${MAX_DEVICES_PER_USER}, or weights like { 1: 0.6, 2: 0.3, 3: 0.1 }` },
      ),
    ),
    rooms: Type.Optional(
      Type.Object(
        {
          directShare: Type.Optional(share('the share of rooms that are 1:1')),
          roomsPerUser: Type.Optional(
            Type.Number({
              minimum: 0,
              maximum: 1000,
              description: 'the average number of rooms a user is in (a number from 0 to 1000)',
            }),
          ),
          groupSize: Type.Optional(
            Type.Union(
              [
                MinMax(
                  int(2, MAX_GROUP_CAP, `a group size from 2 to ${MAX_GROUP_CAP}`),
                  'a range { min, max } of group sizes',
                ),
                Weights('^[0-9]+$', 'weights keyed by a group size, like { 3: 0.5, 5: 0.3, 20: 0.2 }'),
              ],
              {
                description: 'a range { min, max } or weights keyed by a group size, like { 3: 0.5, 5: 0.3, 20: 0.2 }',
              },
            ),
          ),
          cap: Type.Optional(
            int(
              2,
              MAX_GROUP_CAP,
              `a member count from 2 to ${MAX_GROUP_CAP} (at most the cluster's maxGroupMembers, ${DEFAULT_LIMITS.maxGroupMembers} by default)`,
            ),
          ),
        },
        { ...strict, description: 'an object { directShare, roomsPerUser, groupSize, cap }' },
      ),
    ),
    messages: Type.Object(
      {
        ratePerUser: Type.Optional(
          Type.Number({ minimum: 0, description: 'messages per second per user (a number >= 0)' }),
        ),
        totalRate: Type.Optional(
          Type.Number({ minimum: 0, description: 'messages per second in total (a number >= 0)' }),
        ),
        bodyChars: Type.Optional(
          MinMax(
            int(1, 1_000_000, 'a body length in characters (an integer >= 1)'),
            'a range { min, max } of body lengths in characters',
          ),
        ),
      },
      { ...strict, description: 'an object with exactly one of ratePerUser or totalRate, and optionally bodyChars' },
    ),
    phases: Type.Optional(
      Type.Object(
        { rampUp: Type.Optional(Duration), steady: Type.Optional(Duration), drain: Type.Optional(Duration) },
        { ...strict, description: 'an object { rampUp, steady, drain } of durations' },
      ),
    ),
    churn: Type.Optional(
      Type.Object(
        {
          share: Type.Optional(share('the share of devices that go offline once during steady')),
          offlineFor: Type.Optional(MinMax(Duration, 'a range { min, max } of durations')),
          at: Type.Optional(Duration),
        },
        { ...strict, description: 'an object { share, offlineFor, at }' },
      ),
    ),
    typing: Type.Optional(
      Type.Object(
        { share: Type.Optional(share('the share of sends preceded by typing')), leadMs: Type.Optional(Duration) },
        { ...strict, description: 'an object { share, leadMs }' },
      ),
    ),
    presence: Type.Optional(
      Type.Object(
        { checkConvergence: Type.Optional(Type.Boolean({ description: 'true or false' })) },
        { ...strict, description: 'an object { checkConvergence }' },
      ),
    ),
    push: Type.Optional(
      Type.Object(
        {
          share: Type.Optional(share('the share of devices that register a push token')),
          platform: Type.Optional(
            Type.Union([Type.Literal('apns'), Type.Literal('fcm'), Type.Literal('mixed')], {
              description: 'one of apns, fcm, mixed',
            }),
          ),
        },
        { ...strict, description: 'an object { share, platform }' },
      ),
    ),
    transport: Type.Optional(
      Type.Object(
        {
          longPollShare: Type.Optional(share('the share of devices that use HTTP long-polling instead of a WebSocket')),
        },
        { ...strict, description: 'an object { longPollShare }' },
      ),
    ),
    slo: Type.Optional(
      Type.Object(
        {
          deliverP50Ms: Type.Optional(Type.Number({ minimum: 0, description: 'milliseconds (a number >= 0)' })),
          deliverP99Ms: Type.Optional(Type.Number({ minimum: 0, description: 'milliseconds (a number >= 0)' })),
          ackP99Ms: Type.Optional(Type.Number({ minimum: 0, description: 'milliseconds (a number >= 0)' })),
          completeness: Type.Optional(share('the share of expected deliveries that must arrive')),
          ackedShare: Type.Optional(share('the share of planned sends that must be acked')),
          maxConnectionsPerNode: Type.Optional(int(0, Number.MAX_SAFE_INTEGER, 'a connection count (an integer >= 0)')),
          minConnectionsPerNode: Type.Optional(int(0, Number.MAX_SAFE_INTEGER, 'a connection count (an integer >= 0)')),
          maxBytesPerConnection: Type.Optional(Type.Number({ minimum: 0, description: 'bytes (a number >= 0)' })),
          presenceConvergenceMs: Type.Optional(
            Type.Number({ minimum: 0, description: 'milliseconds (a number >= 0)' }),
          ),
          pushDelivery: Type.Optional(share('the share of offline (device, room) pairs that must get a notification')),
          reconnectMaxMs: Type.Optional(Type.Number({ minimum: 0, description: 'milliseconds (a number >= 0)' })),
          vsFloor: Type.Optional(
            Type.Object(
              {
                deliverP50: Type.Optional(ratio()),
                deliverP99: Type.Optional(ratio()),
                ackP99: Type.Optional(ratio()),
                cpuPerMessage: Type.Optional(ratio()),
              },
              {
                ...strict,
                description:
                  'an object { deliverP50, deliverP99, ackP99, cpuPerMessage } of highest ratios to the floor',
              },
            ),
          ),
        },
        { ...strict, description: 'an object of service level objectives' },
      ),
    ),
    cluster: Type.Optional(
      Type.Object(
        { heartbeatMs: Type.Optional(Duration), presenceTimeoutMs: Type.Optional(Duration) },
        { ...strict, description: 'an object { heartbeatMs, presenceTimeoutMs } of durations' },
      ),
    ),
    clients: Type.Optional(
      Type.Object(
        {
          processes: Type.Optional(int(1, 256, 'a process count from 1 to 256')),
          sourceAddresses: Type.Optional(int(1, 250, 'a count of 127.0.0.x source addresses from 1 to 250')),
        },
        { ...strict, description: 'an object { processes, sourceAddresses }' },
      ),
    ),
  },
  { ...strict, description: 'a scenario: an object with at least users and messages' },
);

/** A scenario as written in a file (before defaults). */
export type ScenarioInput = Static<typeof ScenarioSchema>;

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  anyOf?: SchemaNode[];
}

/**
 * Every field path the format knows (`rooms.groupSize.min`, ...), for the documentation
 * drift test; weight maps have no fixed keys and contribute only their own path.
 */
export function scenarioFieldPaths(): string[] {
  const paths: string[] = [];
  const walk = (node: SchemaNode, prefix: string): void => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const path = prefix ? `${prefix}.${key}` : key;
      paths.push(path);
      walk(child, path);
      for (const branch of child.anyOf ?? []) walk(branch, path);
    }
  };
  walk(ScenarioSchema as unknown as SchemaNode, '');
  return [...new Set(paths)];
}
