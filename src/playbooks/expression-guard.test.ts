import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { ExpressionScope } from '../core/playbook.ts';
import { compileExpression } from './expression.ts';
import { setExpressionGuard } from './expression-guard.ts';

/**
 * Which expressions go through the time-limit guard (a worker thread, a round trip per evaluation)
 * and which run in place: only those that could run long go to the guard.
 */
const guarded: string[] = [];
setExpressionGuard({
  evaluate(source) {
    guarded.push(source);
    return { ok: true, value: true };
  },
});
after(() => setExpressionGuard(null));

function throughGuard(source: string, values: Partial<ExpressionScope> = {}): boolean {
  guarded.length = 0;
  compileExpression(source).evaluate({ inputs: {}, steps: {}, vars: {}, secrets: {}, ...values });
  return guarded.length === 1;
}

const alert = {
  format: 'suricata',
  category: 'network',
  rule: { id: '2013028', name: 'ET POLICY curl User-Agent Outbound' },
  title: 'ET POLICY curl User-Agent',
  observables: [{ type: 'ip', value: '203.0.113.7', role: 'dst' }],
  mitre: [{ technique: 'T1071' }],
};

test('a comprehension whose body reads only its own item runs in place', () => {
  assert.equal(throughGuard('alert.observables.exists(o, o.type == "user")', { alert }), false);
  assert.equal(throughGuard('alert.observables.map(o, o.value.lowerAscii()).size() > 0', { alert }), false);
  assert.equal(
    throughGuard('alert.observables.filter(o, o.type in ["ip", "domain"]).size()', { alert }),
    false,
  );
  // One after another is not one inside another.
  assert.equal(
    throughGuard('alert.observables.exists(o, o.type == "ip") && alert.mitre.all(m, m.technique != "")', {
      alert,
    }),
    false,
  );
  assert.equal(throughGuard('alert.title.contains("curl")', { alert }), false);
});

test('what could run long goes through the guard', () => {
  const inputs = { xs: [1, 2, 3], text: 'a needle' };
  // Nested: the list's length squared.
  assert.equal(throughGuard('inputs.xs.exists(a, inputs.xs.exists(b, a + b == -1))', { inputs }), true);
  // The body reads a root: the list's length times that value's size.
  assert.equal(
    throughGuard('inputs.xs.exists(a, inputs.text.lowerAscii().contains("needle"))', { inputs }),
    true,
  );
  // Regular expressions can backtrack; split and bind grow with their input.
  assert.equal(throughGuard('inputs.text.matches("ne+dle")', { inputs }), true);
  assert.equal(throughGuard('inputs.text.split(" ").size() > 1', { inputs }), true);
  assert.equal(throughGuard('cel.bind(t, inputs.text, t.size())', { inputs }), true);
});

test('of the built-in playbooks’ alert triggers, only the one with a regular expression needs the guard', () => {
  const dir = new URL('../../playbooks/builtin/', import.meta.url);
  const triggers = new Map<string, string>();
  for (const id of [
    'account_compromise',
    'malicious_file',
    'network_ids_triage',
    'phishing_report',
    'ransomware_activity',
    'vulnerable_server',
  ]) {
    const doc = parse(readFileSync(new URL(`${id}.yaml`, dir), 'utf8')) as { triggers: { alert: string } };
    triggers.set(id, doc.triggers.alert.replace(/^\$\{\{\s*|\s*\}\}$/g, ''));
  }
  const viaGuard = [...triggers].filter(([, source]) => throughGuard(source, { alert })).map(([id]) => id);
  assert.deepEqual(viaGuard, ['account_compromise']);
});
