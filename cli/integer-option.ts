// Integer flags of the CLI, checked with a message that names the flag.

export function integerOption(text: string, flag: string, min = Number.MIN_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(text)) throw new Error(`${flag} must be an integer, got ${JSON.stringify(text)}`);
  const value = Number(text);
  if (value < min) throw new Error(`${flag} must be at least ${min}, got ${value}`);
  return value;
}
