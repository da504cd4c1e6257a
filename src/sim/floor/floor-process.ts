import type { FloorInit, FloorStatus } from './floor-messages.js';
import { runFloorGateway } from './floor-gateway.js';
import { runFloorWriter } from './floor-writer.js';

/** Entry of a floor process (forked by startFloor): runs the role its parent names, until killed. */
const report = (status: FloorStatus) => process.send?.(status);
process.once('message', (init: FloorInit) => {
  const run = init.role === 'gateway' ? runFloorGateway : runFloorWriter;
  run(init, report).catch((error: unknown) => {
    report({ type: 'failed', error: (error as Error).stack ?? String(error) });
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));
