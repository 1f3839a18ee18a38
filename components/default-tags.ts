// Default tags on every taggable resource of the stack, by a stack transformation: each AWS
// resource whose inputs include `tagsAll` (the generated classes of @pulumi/aws declare it, as
// an output, exactly on the resources that take tags) gets the stack's tags merged under its own.
// A transformation rather than the provider's defaultTags, so the tags are inputs that `pulumi
// preview` shows and the program tests assert, and no resource changes provider.
import * as pulumi from '@pulumi/pulumi';

/** The tags every resource of a stack carries. */
export function stackTags(project: string, stack: string, namePrefix: string): Record<string, string> {
  return { project, stack, 'name-prefix': namePrefix, 'managed-by': 'pulumi' };
}

/** The transformation: adds `tags` to taggable AWS resources; a resource's own tags win. */
export function defaultTagsTransformation(tags: Record<string, string>): pulumi.ResourceTransformation {
  return (args) => {
    if (!args.type.startsWith('aws:') || !('tagsAll' in args.props)) return undefined;
    const own = args.props.tags as pulumi.Input<Record<string, string>> | undefined;
    const merged = own === undefined ? { ...tags } : pulumi.output(own).apply((value) => ({ ...tags, ...(value ?? {}) }));
    return { props: { ...args.props, tags: merged }, opts: args.opts };
  };
}
