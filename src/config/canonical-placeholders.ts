import { ACCOUNT_PLACEHOLDER } from './placeholders.js';

/**
 * `{accountId}` written as `<accountId>`, so that later stages (and what the config prints) see one
 * spelling.
 */
export function canonicalPlaceholder(text: string): string {
  return text.replace(ACCOUNT_PLACEHOLDER, '<accountId>');
}

/** Output locations may also say `<region>` (or `{region}`). */
export function canonicalLocation(text: string): string {
  return canonicalPlaceholder(text).replace(/\{region\}/g, '<region>');
}
