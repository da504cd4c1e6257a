import { parseScenario } from '../../../src/sim/scenario/index.js';
import type { Scenario } from '../../../src/sim/scenario/index.js';

/** A scenario from YAML text, as the loader reads it. */
export function scenario(yaml: string, fileName = 'test.yaml'): Scenario {
  return parseScenario(yaml, fileName);
}

/** A minimal valid YAML scenario with extra lines appended. */
export function yamlWith(extra = '', base = 'users: 50\nmessages: { totalRate: 20 }\n'): string {
  return `${base}${extra}`;
}
