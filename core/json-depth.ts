/**
 * The deepest nesting the app reads in JSON it is given. Its own documents and requests nest
 * fewer than 10 levels; validating, describing or writing back a value walks it by recursion, and
 * a few thousand levels overflow the call stack.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether a parsed JSON value nests deeper than `max` arrays and objects, found without
 * recursion, so the check itself cannot overflow.
 */
export function nestsDeeperThan(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (typeof item !== 'object' || item === null) continue;
    if (depth + 1 > max) return true;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}
