import type { PipelineConfig } from '../../config/index.js';
import { needsTags } from '../resolve-accounts.js';
import { sortedUnique, type PolicyStatement } from './policy-document.js';

const ORGANIZATIONS_LISTING = [
  'organizations:DescribeOrganization',
  'organizations:ListAccountsForParent',
  'organizations:ListOrganizationalUnitsForParent',
  'organizations:ListRoots',
];

/** What walking the organization tree calls; tags only when the run reads them. */
export function organizationsListing(config: PipelineConfig): PolicyStatement {
  return {
    Sid: 'OrganizationsListing',
    Effect: 'Allow',
    Action: sortedUnique([
      ...ORGANIZATIONS_LISTING,
      ...(needsTags(config) ? ['organizations:ListTagsForResource'] : []),
    ]),
    Resource: ['*'],
  };
}
