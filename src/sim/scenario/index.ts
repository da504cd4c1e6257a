/** Scenario files and their plans: the simulator's pure front half (no I/O but reading the file). */
export { loadScenario, parseScenario } from './load-scenario.js';
export { ScenarioError } from './scenario-error.js';
export {
  CLUSTER_DEFAULTS,
  SCENARIO_DEFAULTS,
  type FloorRatios,
  type LocalClusterSettings,
  type Scenario,
  type ScenarioSlo,
} from './scenario.js';
export { ScenarioSchema, scenarioFieldPaths, type ScenarioInput } from './scenario-schema.js';
export { planScenario, planSummary, MAX_RUN_ID_LENGTH, type PlanSummary } from './planner.js';
export {
  resolveClientLayout,
  DEVICES_PER_PROCESS,
  DEVICES_PER_SOURCE_ADDRESS,
  SOURCE_ADDRESS_BIND_CLIFF,
  type ClientLayout,
} from './client-layout.js';
export { describeDistribution, distributionMean, type IntDistribution } from './distribution.js';
export { formatDuration, parseDuration } from './duration.js';
export { SeededRandom } from './seeded-random.js';
