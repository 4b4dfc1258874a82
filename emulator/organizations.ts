import { createHash } from 'node:crypto';
import type { Principal } from './identity.js';
import { failTagRead } from './organizations-faults.js';
import { ApiError } from './protocol.js';
import type { Scenario, ScenarioAccount } from './scenario.js';

interface Ou {
  id: string;
  path: string;
  name: string;
  parentId: string;
}

const hash = (s: string, n: number): string => {
  const digits = BigInt(`0x${createHash('sha256').update(s).digest('hex')}`).toString(36);
  return digits.slice(0, n).padStart(n, '0');
};

const invalidInput = (reason: string, message: string): ApiError =>
  new ApiError('InvalidInputException', message, 400, { Reason: reason });

/** AWS Organizations as seen from the management account (or a delegated administrator). */
export class Organizations {
  private readonly rootId: string;
  private readonly ous = new Map<string, Ou>();

  constructor(private readonly scenario: Scenario) {
    const org = scenario.organization;
    this.rootId = `r-${hash(org.id, 4)}`;
    for (const a of scenario.accounts) {
      const parts = a.ou.split('/');
      for (let i = 2; i <= parts.length; i++) {
        const path = parts.slice(0, i).join('/');
        if (this.ous.has(path)) continue;
        const parentPath = parts.slice(0, i - 1).join('/');
        this.ous.set(path, {
          id: `ou-${this.rootId.slice(2)}-${hash(path, 8)}`,
          path,
          name: parts[i - 1]!,
          parentId: parentPath === 'Root' ? this.rootId : this.ous.get(parentPath)!.id,
        });
      }
    }
  }

  private arnPrefix(): string {
    return `arn:aws:organizations::${this.scenario.organization.managementAccountId}`;
  }

  private parentOf(a: ScenarioAccount): string {
    return a.ou === 'Root' ? this.rootId : this.ous.get(a.ou)!.id;
  }

  private account(a: ScenarioAccount): unknown {
    return {
      Id: a.id,
      Arn: `${this.arnPrefix()}:account/${this.scenario.organization.id}/${a.id}`,
      Email: a.email,
      Name: a.name,
      // Status is retired but still returned; it has no CLOSED/PENDING_ACTIVATION values.
      Status: a.state === 'CLOSED' ? 'SUSPENDED' : a.state === 'PENDING_ACTIVATION' ? 'ACTIVE' : a.state,
      State: a.state,
      JoinedMethod: a.joinedMethod,
      JoinedTimestamp: 1_577_836_800 + Number(BigInt(a.id) % 100_000_000n),
    };
  }

  private ou(o: Ou): unknown {
    return {
      Id: o.id,
      Arn: `${this.arnPrefix()}:ou/${this.scenario.organization.id}/${o.id}`,
      Name: o.name,
    };
  }

  /**
   * Pages of at most MaxResults; with the emptyPages knob the first page and every page after a full one
   * are empty while NextToken is still set, as the real service does.
   */
  private page(
    items: readonly unknown[],
    input: Record<string, unknown>,
    key: string,
  ): Record<string, unknown> {
    const max = input.MaxResults === undefined ? 20 : Number(input.MaxResults);
    if (!Number.isInteger(max) || max < 1) {
      throw invalidInput(
        'MIN_VALUE_EXCEEDED',
        'You provided a value that is less than the minimum allowed value.',
      );
    }
    if (max > 20) {
      throw invalidInput(
        'MAX_VALUE_EXCEEDED',
        'You provided a value that exceeds the upper limit allowed value.',
      );
    }
    let offset = 0;
    let emptyDone = false;
    if (typeof input.NextToken === 'string') {
      const m = /^(\d+):([01])$/.exec(Buffer.from(input.NextToken, 'base64url').toString('utf8'));
      if (!m) throw invalidInput('INVALID_PAGINATION_TOKEN', 'You specified an invalid value for nextToken.');
      offset = Number(m[1]);
      emptyDone = m[2] === '1';
    }
    const token = (o: number, done: boolean): string =>
      Buffer.from(`${o}:${done ? 1 : 0}`).toString('base64url');
    if (this.scenario.knobs.emptyPages && !emptyDone && items.length > 0) {
      return { [key]: [], NextToken: token(offset, true) };
    }
    const slice = items.slice(offset, offset + max);
    const more = offset + max < items.length;
    return { [key]: slice, NextToken: more ? token(offset + max, false) : undefined };
  }

  private requireAccess(caller: Principal, action: string): void {
    const org = this.scenario.organization;
    const member = this.scenario.accounts.some((a) => a.id === caller.accountId);
    if (!member) {
      throw new ApiError(
        'AWSOrganizationsNotInUseException',
        'Your account is not a member of an organization.',
        400,
      );
    }
    if (action === 'DescribeOrganization') return;
    if (caller.accountId !== org.managementAccountId && !org.delegatedAdmins.includes(caller.accountId)) {
      throw new ApiError('AccessDeniedException', "You don't have permissions to access this resource.", 400);
    }
  }

  private parent(id: unknown): string {
    if (id === this.rootId) return this.rootId;
    for (const o of this.ous.values()) if (o.id === id) return o.id;
    throw new ApiError(
      'ParentNotFoundException',
      "We can't find a root or OU with the ParentId that you specified.",
      400,
    );
  }

  private findAccount(id: unknown): ScenarioAccount {
    const a = this.scenario.accounts.find((x) => x.id === id);
    if (!a)
      throw new ApiError(
        'AccountNotFoundException',
        "We can't find an account with the AccountId that you specified.",
        400,
      );
    return a;
  }

  handle = (caller: Principal, action: string, input: Record<string, unknown>): Promise<unknown> => {
    try {
      this.requireAccess(caller, action);
      if (action === 'ListTagsForResource')
        failTagRead(this.scenario, this.arnPrefix(), caller, input.ResourceId);
      return Promise.resolve(this.dispatch(action, input));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  };

  /** The actions implemented; any other is UnknownOperationException. */
  private readonly actions: Record<string, (input: Record<string, unknown>) => unknown> = {
    DescribeOrganization: () => this.describeOrganization(),
    ListAccounts: (input) =>
      this.page(
        this.scenario.accounts.map((a) => this.account(a)),
        input,
        'Accounts',
      ),
    ListRoots: (input) => this.page([this.root()], input, 'Roots'),
    ListOrganizationalUnitsForParent: (input) =>
      this.page(
        this.childOus(input.ParentId).map((o) => this.ou(o)),
        input,
        'OrganizationalUnits',
      ),
    ListAccountsForParent: (input) =>
      this.page(
        this.childAccounts(input.ParentId).map((a) => this.account(a)),
        input,
        'Accounts',
      ),
    ListChildren: (input) =>
      this.page(
        input.ChildType === 'ACCOUNT'
          ? this.childAccounts(input.ParentId).map((a) => ({ Id: a.id, Type: 'ACCOUNT' }))
          : this.childOus(input.ParentId).map((o) => ({ Id: o.id, Type: 'ORGANIZATIONAL_UNIT' })),
        input,
        'Children',
      ),
    ListParents: (input) => {
      const parentId = this.parentOfChild(input.ChildId);
      const type = parentId === this.rootId ? 'ROOT' : 'ORGANIZATIONAL_UNIT';
      return this.page([{ Id: parentId, Type: type }], input, 'Parents');
    },
    DescribeAccount: (input) => ({ Account: this.account(this.findAccount(input.AccountId)) }),
    DescribeOrganizationalUnit: (input) => ({
      OrganizationalUnit: this.ou(this.findOu(input.OrganizationalUnitId)),
    }),
    ListTagsForResource: (input) => this.page(this.tags(input.ResourceId), input, 'Tags'),
  };

  private dispatch(action: string, input: Record<string, unknown>): unknown {
    // Own keys only: an action named like an Object.prototype member is unknown too.
    const run = Object.hasOwn(this.actions, action) ? this.actions[action] : undefined;
    if (!run)
      throw new ApiError('UnknownOperationException', `The emulator does not implement ${action}.`, 400);
    return run(input);
  }

  private describeOrganization(): unknown {
    const org = this.scenario.organization;
    const mgmt = this.scenario.accounts.find((a) => a.id === org.managementAccountId)!;
    return {
      Organization: {
        Id: org.id,
        Arn: `${this.arnPrefix()}:organization/${org.id}`,
        FeatureSet: 'ALL',
        MasterAccountArn: `${this.arnPrefix()}:account/${org.id}/${mgmt.id}`,
        MasterAccountId: mgmt.id,
        MasterAccountEmail: mgmt.email,
        AvailablePolicyTypes: [],
      },
    };
  }

  private root(): unknown {
    const org = this.scenario.organization;
    return {
      Id: this.rootId,
      Arn: `${this.arnPrefix()}:root/${org.id}/${this.rootId}`,
      Name: 'Root',
      PolicyTypes: [],
    };
  }

  private childOus(parentId: unknown): Ou[] {
    const id = this.parent(parentId);
    return [...this.ous.values()].filter((o) => o.parentId === id);
  }

  private childAccounts(parentId: unknown): ScenarioAccount[] {
    const id = this.parent(parentId);
    return this.scenario.accounts.filter((a) => this.parentOf(a) === id);
  }

  private parentOfChild(childId: unknown): string {
    const account = this.scenario.accounts.find((a) => a.id === childId);
    const ou = [...this.ous.values()].find((o) => o.id === childId);
    const parentId = account ? this.parentOf(account) : ou?.parentId;
    if (parentId === undefined) {
      throw new ApiError(
        'ChildNotFoundException',
        "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.",
        400,
      );
    }
    return parentId;
  }

  private findOu(id: unknown): Ou {
    const ou = [...this.ous.values()].find((o) => o.id === id);
    if (!ou) {
      throw new ApiError(
        'OrganizationalUnitNotFoundException',
        "We can't find an OU with the OrganizationalUnitId that you specified.",
        400,
      );
    }
    return ou;
  }

  private tags(resourceId: unknown): { Key: string; Value: string }[] {
    const a = this.scenario.accounts.find((x) => x.id === resourceId);
    if (!a) {
      throw new ApiError(
        'TargetNotFoundException',
        "We can't find a root, OU, account, or policy with the TargetId that you specified.",
        400,
      );
    }
    return Object.entries(a.tags).map(([Key, Value]) => ({ Key, Value }));
  }
}
