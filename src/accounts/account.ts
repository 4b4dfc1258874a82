/** An account as discovered (Organizations) or declared (`accounts.source: list`). */
export interface Account {
  id: string;
  name?: string;
  email?: string;
  arn?: string;
  /** Organizations `State` (or the retired `Status` on old responses); `ACTIVE` for listed accounts. */
  state: string;
}

export interface SkippedAccount {
  account: Account;
  reason: string;
}
