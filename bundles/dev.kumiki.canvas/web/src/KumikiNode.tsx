import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import type { NodeInfo } from './protocol';

const PORT_TOP = 50;
const PORT_GAP = 22;
const KEY_ROW = 16;
const KEY_CHARS = 28;

/** A value for a node's face: long values (paths) keep their end, which names the thing; the tooltip has it all. */
export function shortValue(value: string): string {
  return value.length <= KEY_CHARS ? value : '…' + value.slice(value.length - KEY_CHARS + 1);
}

export type KumikiNodeData = { node: NodeInfo; state: string; progress?: number };

/**
 * A node: its id and kind, its key settings (those its kind marks onNode: a merge's method, a path), its state, its
 * typed ports; problems outline it and show on hover.
 */
export function KumikiNode({ data, selected }: NodeProps<Node<KumikiNodeData>>) {
  const { node, state, progress } = data;
  const errors = node.diagnostics.filter((d) => d.severity === 'error');
  const warnings = node.diagnostics.filter((d) => d.severity === 'warning');
  const rows = Math.max(node.inputs.length, node.outputs.length, 1);
  const keys = node.settings.filter((s) => s.onNode);
  const portTop = PORT_TOP + keys.length * KEY_ROW;
  const title = node.diagnostics.map((d) => `${d.severity}: ${d.setting ? d.setting + ': ' : ''}${d.message}`);
  return (
    <div
      className={`knode state-${state}${errors.length ? ' has-errors' : warnings.length ? ' has-warnings' : ''}${selected ? ' selected' : ''}`}
      data-testid={`node-${node.id}`}
      data-state={state}
      title={title.join('\n')}
      style={{ minHeight: portTop + rows * PORT_GAP + 6 }}
    >
      <div className="khead">
        <span className="kid">{node.id}</span>
        <span className="kkind">{node.kind}</span>
      </div>
      {keys.map((s) => {
        const value = s.value !== '' ? s.value : s.default ?? '';
        return (
          <div
            key={'k' + s.name}
            className={`kkey${value === '' ? ' unset' : ''}${s.required ? ' required' : ''}`}
            data-testid={`key-${node.id}-${s.name}`}
            title={`${s.name}: ${value === '' ? '(not set)' : value}${s.value === '' && value !== '' ? ' (default)' : ''}`}
          >
            <span className="kkname">{s.name}</span> <span className="kkvalue">{value === '' ? '—' : shortValue(value)}</span>
          </div>
        );
      })}
      <div className="kstate">
        {state}
        {state === 'running' && progress !== undefined ? ` ${Math.round(progress * 100)}%` : ''}
        {errors.length > 0 && <span className="kproblems"> · {errors.length} error{errors.length > 1 ? 's' : ''}</span>}
      </div>
      {node.inputs.map((p, i) => (
        <div key={'i' + p.name}>
          <Handle
            type="target"
            position={Position.Left}
            id={p.name}
            className={`ptype-${p.type}`}
            style={{ top: portTop + i * PORT_GAP + 8 }}
            title={`${p.name}: ${p.type}${p.multiple ? ' (any number)' : p.optional ? ' (optional)' : ''} — ${p.doc}`}
          />
          <span className="kport in" style={{ top: portTop + i * PORT_GAP }}>
            {p.name}
          </span>
        </div>
      ))}
      {node.outputs.map((p, i) => (
        <div key={'o' + p.name}>
          <span className="kport out" style={{ top: portTop + i * PORT_GAP }}>
            {p.name}
          </span>
          <Handle
            type="source"
            position={Position.Right}
            id={p.name}
            className={`ptype-${p.type}`}
            style={{ top: portTop + i * PORT_GAP + 8 }}
            title={`${p.name}: ${p.type} — ${node.specs[p.name] ?? p.doc}`}
          />
        </div>
      ))}
    </div>
  );
}
