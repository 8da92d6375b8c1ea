/**
 * Whether a parsed JSON value nests deeper than `maxDepth` (a scalar is depth 0, `[1]` depth 1).
 * Iterative, so a hostile 100,000-deep array cannot overflow the stack while being measured; it
 * stops at the first branch past the limit.
 */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth + 1 > maxDepth) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
