/** commander parser for repeatable, comma-separated options: `--kernel a,b --kernel c` → [a, b, c]. */
export const collectList = (value: string, previous: string[]): string[] => [...previous, ...value.split(',').filter(Boolean)];
