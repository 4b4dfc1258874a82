import type { Account } from '../accounts/index.js';
import { unitError } from '../errors.js';
import type { UnitRecord } from '../manifest.js';
import type { UnitSpec } from '../plan/index.js';
import type { TaskOutcome } from '../scheduler/index.js';
import type { UnitValue } from './unit-value.js';

/** A unit's manifest record before anything ran: no attempt, no execution, no rows. */
export function unitRecord(
  account: Account,
  queryName: string,
  region: string | undefined,
  state: UnitRecord['state'],
): UnitRecord {
  return {
    accountId: account.id,
    ...(account.name ? { accountName: account.name } : {}),
    ...(region ? { region } : {}),
    ...(account.ouPath ? { ouPath: account.ouPath } : {}),
    query: queryName,
    state,
    attempts: 0,
    queryExecutionIds: [],
    rows: 0,
  };
}

/** A unit's value from its task's outcome: a task that never ran (or threw) still gets its record. */
export function unitValueOf(
  outcome: TaskOutcome<UnitValue>,
  { account, region, query }: UnitSpec,
): UnitValue {
  if (outcome.ok) return outcome.value;
  return {
    record: {
      ...unitRecord(account, query.name, region, outcome.cancelled ? 'cancelled' : 'failed'),
      estimatedCostUSD: 0,
      error: unitError(outcome.error),
    },
  };
}
