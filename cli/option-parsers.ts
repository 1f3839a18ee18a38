// Parsers for commander's `.argParser()`. A refusal is an InvalidArgumentError, which commander
// prints as "error: option '--files <n>' argument 'x' is invalid. <our reason>" and exits 1, so
// the flag and the value are always named without each command checking its options by hand.
import { InvalidArgumentError } from 'commander';
import { parseSize } from '../generator/size.ts';

/** An integer of at least `min`. */
export function integerArg(min = Number.MIN_SAFE_INTEGER): (text: string) => number {
  return (text) => {
    if (!/^-?\d+$/.test(text)) throw new InvalidArgumentError('Expected an integer.');
    const value = Number(text);
    if (value < min) throw new InvalidArgumentError(`Expected at least ${min}.`);
    return value;
  };
}

/** A size such as 512KB, 200MB or 1.5GB (1024-based), in bytes. */
export function sizeArg(text: string): number {
  try {
    return parseSize(text);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}
