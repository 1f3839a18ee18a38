// Pulumi mocks for the program tests: every registration is recorded, each resource gets the
// outputs AWS would compute (ARNs, URLs), the two provider functions the program calls (the
// caller's account, the region) answer, and any other provider function call throws.
import * as pulumi from '@pulumi/pulumi';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

export interface Registration {
  type: string;
  name: string;
  /** The inputs without `tags`: the stack's default tags are asserted once, on their own. */
  inputs: Record<string, unknown>;
  tags: unknown;
}

/** The outputs a resource would have after creation, derived from its inputs. */
function computedState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const physical = typeof inputs.name === 'string' ? inputs.name : name;
  switch (type) {
    case 'aws:s3/bucket:Bucket': {
      const bucket = String(inputs.bucket);
      return { bucket, arn: `arn:aws:s3:::${bucket}` };
    }
    case 'aws:glue/catalogDatabase:CatalogDatabase':
      return { arn: `arn:aws:glue:${REGION}:${ACCOUNT}:database/${physical}` };
    case 'aws:athena/workgroup:Workgroup':
      return { arn: `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/${physical}` };
    case 'aws:sqs/queue:Queue':
      return { arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${physical}`, url: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${physical}` };
    case 'aws:cloudwatch/logGroup:LogGroup':
      return { arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${physical}` };
    case 'aws:lambda/function:Function':
      return { arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${physical}` };
    case 'aws:iam/policy:Policy':
      return { arn: `arn:aws:iam::${ACCOUNT}:policy/${physical}` };
    case 'aws:iam/role:Role':
      return { arn: `arn:aws:iam::${ACCOUNT}:role/${physical}` };
    case 'aws:ecr/repository:Repository':
      return { repositoryUrl: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${physical}` };
    case 'aws:cloudwatch/eventRule:EventRule':
      return { arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/${physical}` };
    case 'aws:sns/topic:Topic':
      return { arn: `arn:aws:sns:${REGION}:${ACCOUNT}:${physical}` };
    case 'awsx:ecr:Image':
      // A remote component: no Docker daemon under mocks, so its one output is stubbed.
      return { imageUri: `${String(inputs.repositoryUrl)}@sha256:${'0'.repeat(64)}` };
    default:
      return {};
  }
}

/** The tokens of the provider functions the program called, in order. */
export const calls: string[] = [];

/** Installs the mocks and config for one program run; returns the list registrations land in. */
export function installMocks(stack: string, config: Record<string, string>): Registration[] {
  const registrations: Registration[] = [];
  pulumi.runtime.setAllConfig(config);
  pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        const { tags, ...inputs } = args.inputs as Record<string, unknown>;
        registrations.push({ type: args.type, name: args.name, inputs, tags });
        const state = { ...args.inputs, ...computedState(args.type, args.name, args.inputs as Record<string, unknown>) };
        return { id: `${args.name}-id`, state };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        calls.push(args.token);
        switch (args.token) {
          case 'aws:index/getCallerIdentity:getCallerIdentity':
            return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/deployer`, userId: 'AIDAEXAMPLE', id: ACCOUNT };
          case 'aws:index/getRegion:getRegion':
            return { region: REGION, name: REGION, endpoint: `ec2.${REGION}.amazonaws.com`, description: 'US East (N. Virginia)', id: REGION };
          default:
            throw new Error(`unexpected provider function call '${args.token}'`);
        }
      },
    },
    'procureflow',
    stack,
    false,
  );
  return registrations;
}

/** The value of an output, once the mocks resolved it. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/**
 * Waits until the program's registrations are done, not for time. Every resource constructor,
 * `registerOutputs` and provider-function call takes an RPC keep-alive synchronously, before it
 * awaits anything (@pulumi/pulumi runtime/resource.js `registerResource`, runtime/invoke.js), and
 * `waitForRPCs` resolves once that queue has drained and stayed drained: the wait Pulumi's own
 * `runtime.disconnect()` and provider server use. It is exported at runtime but marked @internal,
 * so its typings are stripped; if a Pulumi upgrade removes it, this throws instead of sleeping.
 */
export async function settled(): Promise<void> {
  const { waitForRPCs } = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
  if (typeof waitForRPCs !== 'function') throw new Error('@pulumi/pulumi no longer exports runtime.waitForRPCs: find its replacement');
  await waitForRPCs();
}

/** The URN of every resource the mock monitor registered (URNs carry the parent chain of types). */
export function registeredUrns(): string[] {
  const monitor = pulumi.runtime.getMonitor() as unknown as { resources?: Map<string, unknown> };
  if (!monitor.resources) throw new Error('the Pulumi mock monitor keeps no resources: is setMocks installed?');
  return [...monitor.resources.keys()];
}

/** `parentType$type::name` of a URN, e.g. `procureflow:lake:LakeBuckets$aws:s3/bucket:Bucket::lake-bronze`. */
export function qualifiedName(urn: string): string {
  const parts = urn.split('::');
  return `${parts[2] ?? ''}::${parts[3] ?? ''}`;
}
