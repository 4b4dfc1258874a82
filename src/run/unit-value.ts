import type { UnitRecord } from '../manifest.js';
import type { SpilledResult } from '../sinks/index.js';

export interface UnitValue {
  record: UnitRecord;
  /** The results, spilled to an Arrow IPC file until the outputs are written. */
  data?: SpilledResult;
}
