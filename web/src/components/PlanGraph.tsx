import { useMemo } from 'react';

/** The shape GET /api/v1/playbooks/:id (and validate) answers as `graph` (src/playbooks/plan-graph.ts). */
export interface PlanGraphData {
  nodes: { id: string; kind: string; label: string; block: string; line: number }[];
  edges: { from: string; to: string; label: string }[];
}

export interface StepState {
  status: string;
  /** Shown under the step: an error, a duration. */
  note?: string;
}

const NODE_W = 190;
const NODE_H = 46;
const GAP_X = 36;
const GAP_Y = 42;

interface Placed {
  id: string;
  kind: string;
  label: string;
  x: number;
  y: number;
}

/**
 * Lays the graph out in layers (a node sits one layer below the deepest node that leads to it; error
 * edges do not push layers down), ordered within a layer by first discovery, and draws it as SVG.
 */
export function layout(graph: PlanGraphData): { placed: Map<string, Placed>; width: number; height: number } {
  const outgoing = new Map<string, { to: string; label: string }[]>();
  for (const e of graph.edges) {
    const list = outgoing.get(e.from) ?? [];
    list.push(e);
    outgoing.set(e.from, list);
  }
  const layer = new Map<string, number>();
  const order: string[] = [];
  const start = graph.nodes[0]?.id;
  // Longest path over non-error edges; the compiler rejects cycles, the guard bounds a bad graph anyway.
  const visit = (id: string, depth: number, guard: number) => {
    if (guard > graph.nodes.length + 1) return;
    if (!layer.has(id)) order.push(id);
    if ((layer.get(id) ?? -1) >= depth) return;
    layer.set(id, depth);
    for (const e of outgoing.get(id) ?? []) visit(e.to, e.label === 'error' ? depth : depth + 1, guard + 1);
  };
  if (start) visit(start, 0, 0);
  for (const n of graph.nodes) if (!layer.has(n.id)) visit(n.id, 0, 0);
  const rows = new Map<number, string[]>();
  for (const id of order) {
    const d = layer.get(id) ?? 0;
    rows.set(d, [...(rows.get(d) ?? []), id]);
  }
  const widest = Math.max(1, ...[...rows.values()].map((r) => r.length));
  const width = widest * (NODE_W + GAP_X) + GAP_X;
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const placed = new Map<string, Placed>();
  for (const [d, ids] of rows) {
    const rowWidth = ids.length * (NODE_W + GAP_X) - GAP_X;
    ids.forEach((id, i) => {
      const n = byId.get(id);
      if (!n) return;
      placed.set(id, {
        id,
        kind: n.kind,
        label: n.label,
        x: (width - rowWidth) / 2 + i * (NODE_W + GAP_X),
        y: GAP_Y / 2 + d * (NODE_H + GAP_Y),
      });
    });
  }
  const height = (Math.max(0, ...rows.keys()) + 1) * (NODE_H + GAP_Y) + GAP_Y / 2;
  return { placed, width, height };
}

export function PlanGraph({
  graph,
  states,
  selected,
  onSelect,
  label,
}: {
  graph: PlanGraphData;
  states?: Record<string, StepState>;
  selected?: string | null;
  onSelect?: (stepId: string) => void;
  label: string;
}) {
  const { placed, width, height } = useMemo(() => layout(graph), [graph]);
  return (
    <div className="graph">
      <svg width={width} height={height} role="group" aria-label={label}>
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" fill="currentColor" className="muted" />
          </marker>
        </defs>
        {graph.edges.map((e, i) => {
          const a = placed.get(e.from);
          const b = placed.get(e.to);
          if (!a || !b) return null;
          const x1 = a.x + NODE_W / 2;
          const y1 = a.y + NODE_H;
          const x2 = b.x + NODE_W / 2;
          const y2 = b.y;
          const back = y2 <= y1;
          const d = back
            ? `M${a.x + NODE_W},${a.y + NODE_H / 2} C${a.x + NODE_W + 40},${a.y + NODE_H / 2} ${b.x + NODE_W + 40},${b.y + NODE_H / 2} ${b.x + NODE_W},${b.y + NODE_H / 2}`
            : `M${x1},${y1} C${x1},${y1 + GAP_Y / 2} ${x2},${y2 - GAP_Y / 2} ${x2},${y2}`;
          return (
            <g key={i}>
              <path
                className="edge"
                d={d}
                markerEnd="url(#arrow)"
                strokeDasharray={e.label === 'error' ? '4 3' : undefined}
              />
              {e.label !== 'next' && e.label !== 'start' && (
                <text className="edge-label" x={(x1 + x2) / 2 + 4} y={(y1 + y2) / 2}>
                  {e.label}
                </text>
              )}
            </g>
          );
        })}
        {[...placed.values()].map((n) => {
          const state = states?.[n.id];
          const classes = [
            'node',
            state ? `st-${state.status}` : '',
            selected === n.id ? 'selected' : '',
          ].join(' ');
          const interactive = onSelect && n.kind !== 'start';
          return (
            <g
              key={n.id}
              className={classes}
              transform={`translate(${n.x},${n.y})`}
              tabIndex={interactive ? 0 : undefined}
              role={interactive ? 'button' : undefined}
              aria-label={`${n.id}: ${n.label}${state ? `, ${state.status}` : ''}`}
              aria-pressed={interactive ? selected === n.id : undefined}
              data-step={n.id}
              style={{ cursor: interactive ? 'pointer' : 'default' }}
              onClick={() => interactive && onSelect(n.id)}
              onKeyDown={(event) => {
                if (interactive && (event.key === 'Enter' || event.key === ' ')) {
                  event.preventDefault();
                  onSelect(n.id);
                }
              }}
            >
              <rect width={NODE_W} height={NODE_H} rx={n.kind === 'start' ? 23 : 6} />
              <text x={10} y={18} fontWeight={600}>
                {clip(n.kind === 'start' ? 'start' : n.id, 26)}
              </text>
              <text x={10} y={35} className="edge-label" style={{ fontSize: 11 }}>
                {clip(
                  state ? `${n.label} · ${state.status}${state.note ? ` · ${state.note}` : ''}` : n.label,
                  30,
                )}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
