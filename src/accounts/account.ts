/** An account as discovered (Organizations) or declared (`accounts.source: list`). */
export interface Account {
  id: string;
  name?: string;
  email?: string;
  arn?: string;
  /** Organizations `State` (or the retired `Status` on old responses); `ACTIVE` for listed accounts. */
  state: string;
  /** Names from the root down to the account's parent, e.g. `Root/Prod/Web`; Organizations only. */
  ouPath?: string;
  /** Id of the parent OU (or root). */
  ouId?: string;
  /** The account's Organizations tags, when they were read (a tag filter, or asked for). */
  tags?: Record<string, string>;
}

export interface SkippedAccount {
  account: Account;
  reason: string;
}
