import { useCallback, useEffect, useRef, useState } from 'react';
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  applyEdgeChanges,
  applyNodeChanges,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type Node,
  type NodeChange,
} from '@xyflow/react';
import type { Bridge } from './bridge';
import type { Command, Event, KindInfo, NodeInfo, Snapshot } from './protocol';
import { KumikiNode, type KumikiNodeData } from './KumikiNode';
import { Palette } from './Palette';
import { SettingsPanel } from './SettingsPanel';
import { layout } from './layout';

const nodeTypes = { kumiki: KumikiNode };

interface RunLine {
  node: string;
  text: string;
}

export function App({ bridge }: { bridge: Bridge }) {
  const flow = useReactFlow();
  const [palette, setPalette] = useState<KindInfo[]>([]);
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null);
  const [nodes, setNodes] = useState<Node<KumikiNodeData>[]>([]);
  const [selected, setSelected] = useState<string[]>([]);
  const [notice, setNotice] = useState<{ text: string; error: boolean } | null>(null);
  const [states, setStates] = useState<Record<string, string>>({});
  const [progress, setProgress] = useState<Record<string, number>>({});
  const [lines, setLines] = useState<RunLine[]>([]);
  const [runStatus, setRunStatus] = useState<string>('');
  const clipboard = useRef<string[]>([]);
  const lastSelection = useRef('');
  const toSelect = useRef<Set<string>>(new Set());
  const fitted = useRef(false);

  const show = useCallback((text: string, error = true) => {
    setNotice({ text, error });
    window.setTimeout(() => setNotice((n) => (n?.text === text ? null : n)), 6000);
  }, []);

  const send = useCallback(
    async (command: Command) => {
      const reply = await bridge.send(command);
      if (!reply.ok && reply.message) {
        show(reply.message);
      }
      return reply;
    },
    [bridge, show],
  );

  useEffect(() => {
    bridge.onEvent((e: Event) => {
      switch (e.type) {
        case 'palette':
          setPalette(e.kinds);
          break;
        case 'snapshot':
          setSnapshot(e);
          setStates({});
          break;
        case 'nodeState':
          setStates((s) => ({ ...s, [e.node]: e.state }));
          if (e.state === 'running') {
            setRunStatus('running');
          }
          if (e.state === 'failed' && e.message) {
            setLines((l) => [...l, { node: e.node, text: 'failed: ' + e.message }]);
          }
          break;
        case 'progress':
          setProgress((p) => ({ ...p, [e.node]: e.fraction }));
          break;
        case 'log':
          setLines((l) => [...l.slice(-200), { node: e.node, text: e.line }]);
          break;
        case 'runFinished':
          setRunStatus(e.status);
          setLines((l) => [...l, { node: '', text: `${e.status} in ${e.seconds.toFixed(2)} s — ${e.record}` }]);
          show(`Run ${e.status}`, e.status !== 'succeeded');
          break;
      }
    });
  }, [bridge, show]);

  // the snapshot is the truth; React Flow keeps only what is being dragged
  useEffect(() => {
    if (!snapshot) {
      return;
    }
    setNodes((current) => {
      const byId = new Map(current.map((n) => [n.id, n]));
      const select = toSelect.current;
      if (snapshot.nodes.some((n) => select.has(n.id))) {
        toSelect.current = new Set();
      }
      // keep what React Flow knows of a node (its measured size, selection); without it the node is hidden until
      // measured again, which does not happen when its size has not changed
      return snapshot.nodes.map((n: NodeInfo) => ({
        ...byId.get(n.id),
        id: n.id,
        type: 'kumiki',
        position: { x: n.x, y: n.y },
        selected: select.size > 0 && snapshot.nodes.some((x) => select.has(x.id)) ? select.has(n.id)
          : byId.get(n.id)?.selected ?? false,
        data: { node: n, state: states[n.id] ?? n.state, progress: progress[n.id] },
      }));
    });
    if (!fitted.current && snapshot.nodes.length > 0) {
      fitted.current = true;
      window.setTimeout(() => flow.fitView({ padding: 0.2 }), 50);
    }
  }, [snapshot, states, progress, flow]);

  const [edges, setEdges] = useState<Edge[]>([]);
  useEffect(() => {
    setEdges((current) => {
      const byId = new Map(current.map((e) => [e.id, e]));
      return (snapshot?.connections ?? []).map((c) => ({
        ...byId.get(c.id),
        id: c.id,
        source: c.from,
        sourceHandle: c.fromPort,
        target: c.to,
        targetHandle: c.toPort,
        animated: states[c.from] === 'running' || states[c.to] === 'running',
      }));
    });
  }, [snapshot, states]);

  const onEdgesChange = useCallback((changes: EdgeChange[]) => setEdges((es) => applyEdgeChanges(changes, es)), []);

  const onNodesChange = useCallback((changes: NodeChange<Node<KumikiNodeData>>[]) => {
    setNodes((ns) => applyNodeChanges(changes, ns));
  }, []);

  const onNodeDragStop = useCallback(
    (_: unknown, __: Node, dragged: Node[]) => {
      void send({
        type: 'moveNodes',
        moves: dragged.map((n) => ({ id: n.id, x: Math.round(n.position.x), y: Math.round(n.position.y) })),
      });
    },
    [send],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      if (!c.source || !c.target || !c.sourceHandle || !c.targetHandle) {
        return;
      }
      void send({ type: 'connect', from: c.source, fromPort: c.sourceHandle, to: c.target, toPort: c.targetHandle });
    },
    [send],
  );

  // Delete: the selected nodes (with their connections) and the selected connections, as one command
  const deleteSelection = useCallback(() => {
    const gone = nodes.filter((n) => n.selected).map((n) => n.id);
    const cut = edges.filter((e) => e.selected).map((e) => e.id);
    if (gone.length > 0 || cut.length > 0) {
      void send({ type: 'removeNodes', nodes: gone, connections: cut });
    }
  }, [nodes, edges, send]);

  const addAt = useCallback(
    (kind: string, screen?: { x: number; y: number }) => {
      const bounds = document.querySelector('.react-flow')?.getBoundingClientRect();
      const point = screen ?? {
        x: (bounds?.left ?? 0) + (bounds?.width ?? 800) / 2,
        y: (bounds?.top ?? 0) + (bounds?.height ?? 600) / 2,
      };
      const p = flow.screenToFlowPosition(point);
      void send({ type: 'addNode', kind, x: p.x, y: p.y });
    },
    [flow, send],
  );

  const autoLayout = useCallback(async () => {
    const moves = await layout(flow.getNodes(), edges);
    void send({ type: 'moveNodes', moves });
    window.setTimeout(() => flow.fitView({ padding: 0.2 }), 100);
  }, [flow, edges, send]);

  // keys: undo/redo/save/copy/paste; Delete is React Flow's
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.key.toLowerCase() === 's') {
        e.preventDefault(); // saves wherever the focus is
        void send({ type: 'save' });
        return;
      }
      const target = e.target as HTMLElement;
      if (target.closest('input, textarea, select')) {
        return;
      }
      if (!mod && (e.key === 'Delete' || e.key === 'Backspace')) {
        deleteSelection();
        e.preventDefault();
        return;
      }
      if (!mod) {
        return;
      }
      const key = e.key.toLowerCase();
      if (key === 'z' && !e.shiftKey) {
        void send({ type: 'undo' });
      } else if ((key === 'z' && e.shiftKey) || key === 'y') {
        void send({ type: 'redo' });
      } else if (key === 'c') {
        clipboard.current = selected;
      } else if (key === 'v' && clipboard.current.length > 0) {
        void send({ type: 'duplicate', nodes: clipboard.current }).then((reply) => {
          // the copies are selected (and so on top), ready to be dragged into place; the snapshot with them may
          // arrive before or after this reply
          const pasted = new Set(reply.ids ?? []);
          toSelect.current = pasted;
          setNodes((ns) => (ns.some((n) => pasted.has(n.id))
            ? ns.map((n) => ({ ...n, selected: pasted.has(n.id) })) : ns));
        });
      } else {
        return;
      }
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [send, selected, deleteSelection]);

  const selectedNode = snapshot?.nodes.find((n) => selected.length === 1 && n.id === selected[0]);
  const running = snapshot?.running || runStatus === 'running';

  return (
    <div className="kumiki">
      <header className="toolbar">
        <span className="file" data-testid="title">
          {snapshot?.dirty ? '● ' : ''}
          {snapshot?.file ?? 'Kumiki'}
        </span>
        <button onClick={() => void send({ type: 'undo' })} disabled={!snapshot?.canUndo} title={snapshot?.undoLabel}>
          Undo
        </button>
        <button onClick={() => void send({ type: 'redo' })} disabled={!snapshot?.canRedo} title={snapshot?.redoLabel}>
          Redo
        </button>
        <button onClick={() => void send({ type: 'save' })} disabled={!snapshot?.dirty}>
          Save
        </button>
        <span className="gap" />
        <button
          className="run"
          onClick={() => {
            setLines([]);
            setRunStatus('running');
            void send({ type: 'run' });
          }}
          disabled={running}
        >
          Run
        </button>
        <button
          onClick={() => {
            setLines([]);
            void send({ type: 'run', to: selected[0] });
          }}
          disabled={running || selected.length !== 1}
          title="Run the selected node and what it needs"
        >
          Run to here
        </button>
        <button onClick={() => void send({ type: 'cancel' })} disabled={!running}>
          Cancel
        </button>
        <span className="gap" />
        <button onClick={() => flow.fitView({ padding: 0.2 })}>Fit</button>
        <button onClick={() => void autoLayout()}>Layout</button>
        <span className="status" data-testid="run-status">
          {runStatus}
        </span>
      </header>
      <div className="body">
        <Palette kinds={palette} onAdd={(k) => addAt(k)} />
        <div
          className="canvas"
          onDragOver={(e) => {
            e.preventDefault();
            e.dataTransfer.dropEffect = 'copy';
          }}
          onDrop={(e) => {
            e.preventDefault();
            const kind = e.dataTransfer.getData('application/kumiki-kind');
            if (kind) {
              addAt(kind, { x: e.clientX, y: e.clientY });
            }
          }}
        >
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onNodeDragStop={onNodeDragStop}
            onConnect={onConnect}
            onEdgesChange={onEdgesChange}
            onSelectionChange={({ nodes: chosen }) => {
              const ids = chosen.map((n) => n.id);
              setSelected(ids);
              if (ids.join() !== lastSelection.current) {
                lastSelection.current = ids.join(); // the Studio shows the selection's settings in Properties
                void bridge.send({ type: 'select', nodes: ids });
              }
            }}
            deleteKeyCode={null}
            multiSelectionKeyCode={['Control', 'Meta']}
            minZoom={0.2}
            maxZoom={2.5}
            proOptions={{ hideAttribution: true }}
          >
            <Background gap={16} />
            <MiniMap pannable zoomable style={{ width: 150, height: 100 }} />
            <Controls />
          </ReactFlow>
          {notice && (
            <div className={notice.error ? 'notice error' : 'notice'} role="alert" data-testid="notice">
              {notice.text}
            </div>
          )}
        </div>
        {selectedNode && <SettingsPanel node={selectedNode} send={send} />}
      </div>
      <footer className="console" data-testid="console">
        {(snapshot?.diagnostics ?? []).map((d, i) => (
          <div key={'d' + i} className="line error">
            {d}
          </div>
        ))}
        {lines.map((l, i) => (
          <div key={i} className="line">
            {l.node && <b>{l.node}</b>} {l.text}
          </div>
        ))}
      </footer>
    </div>
  );
}
