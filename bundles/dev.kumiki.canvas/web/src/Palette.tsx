import { useMemo, useState } from 'react';
import type { KindInfo } from './protocol';

/** The node kinds by category, with a search box and a port-type filter; drag one onto the canvas, or click it. */
export function Palette({ kinds, onAdd }: { kinds: KindInfo[]; onAdd: (kind: string) => void }) {
  const [query, setQuery] = useState('');
  const [portType, setPortType] = useState('');
  const types = useMemo(
    () => [...new Set(kinds.flatMap((k) => [...k.inputs, ...k.outputs].map((p) => p.type)))].sort(),
    [kinds],
  );
  const shown = kinds.filter(
    (k) =>
      (query === '' || (k.kind + ' ' + k.doc).toLowerCase().includes(query.toLowerCase())) &&
      (portType === '' || [...k.inputs, ...k.outputs].some((p) => p.type === portType)),
  );
  const categories = [...new Set(shown.map((k) => k.category))].sort();
  return (
    <aside className="palette" data-testid="palette">
      <input placeholder="Search nodes" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="Search nodes" />
      <select value={portType} onChange={(e) => setPortType(e.target.value)} aria-label="Port type">
        <option value="">any port type</option>
        {types.map((t) => (
          <option key={t} value={t}>
            {t}
          </option>
        ))}
      </select>
      {categories.map((c) => (
        <section key={c}>
          <h4>{c}</h4>
          {shown
            .filter((k) => k.category === c)
            .map((k) => (
              <div
                key={k.kind}
                className="pitem"
                data-testid={`palette-${k.kind}`}
                draggable
                onDragStart={(e) => {
                  e.dataTransfer.setData('application/kumiki-kind', k.kind);
                  e.dataTransfer.effectAllowed = 'copy';
                }}
                onDoubleClick={() => onAdd(k.kind)}
                title={k.doc}
              >
                <b>{k.kind}</b>
                <small>
                  {k.inputs.map((p) => p.type).join(', ') || '—'} → {k.outputs.map((p) => p.type).join(', ') || '—'}
                </small>
              </div>
            ))}
        </section>
      ))}
      {shown.length === 0 && <p className="empty">No node kind matches.</p>}
    </aside>
  );
}
