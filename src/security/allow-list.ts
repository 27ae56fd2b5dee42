/**
 * Matches a name against an allow list of exact names and prefixes ending in `*`
 * (`orders-*`; `*` alone matches every name). Case-sensitive, no other wildcards.
 */
export function matchesAllowList(name: string, allow: readonly string[]): boolean {
  for (const pattern of allow) {
    if (pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern) return true;
  }
  return false;
}
