/**
 * The CEL environment playbook expressions run in: which names exist, the extra functions, and the
 * parse-time bounds. Environments are costly to build, so there is one per set of readable roots.
 */
import { BlockList, isIP } from 'node:net';
import { Environment } from '@marcbachmann/cel-js';

/** Roots every step expression can read. */
export const RUN_ROOTS = ['alert', 'case', 'inputs', 'steps', 'vars', 'secrets'] as const;
/** Added inside a for_each body. */
export const ITEM_ROOTS = ['item', 'index'] as const;
/** Added in a `wait: { event }` match expression. */
export const EVENT_ROOTS = ['event'] as const;
/** What `triggers.alert` sees: the new alert and nothing else. */
export const TRIGGER_ROOTS = ['alert'] as const;
export const ALL_ROOTS: readonly string[] = [...RUN_ROOTS, ...ITEM_ROOTS, ...EVENT_ROOTS];

/**
 * Parse-time bounds. An expression is one line of logic in a YAML file; these leave ample room for
 * that while keeping a hostile playbook from building deep or huge ASTs.
 */
export const EXPRESSION_LIMITS = {
  maxSourceLength: 4_096,
  maxAstNodes: 500,
  maxDepth: 32,
  maxListElements: 256,
  maxMapEntries: 256,
  maxCallArguments: 16,
} as const;

const environments = new Map<string, Environment>();

export function celEnvironment(roots: readonly string[]): Environment {
  const key = [...roots].sort().join(',');
  let environment = environments.get(key);
  if (environment === undefined) {
    environment = createEnvironment(roots);
    environments.set(key, environment);
  }
  return environment;
}

function createEnvironment(roots: readonly string[]): Environment {
  const { maxAstNodes, maxDepth, maxListElements, maxMapEntries, maxCallArguments } = EXPRESSION_LIMITS;
  const environment = new Environment({
    homogeneousAggregateLiterals: false,
    enableOptionalTypes: true,
    limits: { maxAstNodes, maxDepth, maxListElements, maxMapEntries, maxCallArguments },
  });
  for (const root of roots) environment.registerVariable(root, 'dyn');
  registerMixedArithmetic(environment);
  environment.registerFunction('ip_in_cidr(string, string): bool', ipInCidr, {
    description: 'True when the IP address (v4 or v6) lies in the CIDR range; false for a malformed address.',
  });
  return environment;
}

/**
 * JSON numbers reach CEL as doubles while literals like `1` are ints, and CEL refuses to mix them in
 * arithmetic. Alert fields and step outputs are JSON, so `vars.count + 1` must work: mixed operands
 * are computed as doubles (comparisons across int and double are already defined by CEL).
 */
function registerMixedArithmetic(environment: Environment): void {
  const operations: Record<string, (a: number, b: number) => number> = {
    '+': (a, b) => a + b,
    '-': (a, b) => a - b,
    '*': (a, b) => a * b,
    '/': (a, b) => a / b,
  };
  for (const [operator, apply] of Object.entries(operations)) {
    environment.registerOperator(`double ${operator} int`, (a: number, b: bigint) => apply(a, Number(b)));
    environment.registerOperator(`int ${operator} double`, (a: bigint, b: number) => apply(Number(a), b));
  }
}

function ipInCidr(ip: string, cidr: string): boolean {
  const [network = '', prefixText, extra] = cidr.split('/');
  const family = isIP(network);
  const prefix = Number(prefixText);
  const maxPrefix = family === 6 ? 128 : 32;
  if (family === 0 || extra !== undefined || !/^\d+$/.test(prefixText ?? '') || prefix > maxPrefix) {
    throw new Error(`ip_in_cidr: "${cidr}" is not a CIDR range such as 10.0.0.0/8`);
  }
  const ipFamily = isIP(ip);
  if (ipFamily === 0) return false;
  const list = new BlockList();
  list.addSubnet(network, prefix, family === 6 ? 'ipv6' : 'ipv4');
  return list.check(ip, ipFamily === 6 ? 'ipv6' : 'ipv4');
}
