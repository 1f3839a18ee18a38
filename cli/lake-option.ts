// The lake folder option shared by every command that touches a lake.
import type { Command } from 'commander';

export function withLakeOption(command: Command): Command {
  return command.option('--lake <dir>', 'lake folder (default: $PROCUREFLOW_LAKE or ./.lake)');
}
