import * as z from 'zod';

export const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

export const regionName = z.string().regex(REGION, { error: 'expected an AWS region name like eu-west-1' });
/** Each query runs in every listed region of every account: (account, region) is the unit of work. */
export const regions = z
  .array(regionName)
  .min(1, { error: 'needs at least one region, or leave it out to use region' })
  .refine((list) => new Set(list).size === list.length, { error: 'lists a region twice' });
