// The canvas in Chromium, driven as a user drives it, against a running Kumiki (kumiki serve, or the test server
// CanvasBrowserTest starts): KUMIKI_CANVAS_URL is its address, KUMIKI_SCREENSHOTS where screenshots go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const url = process.env.KUMIKI_CANVAS_URL;
const shots = process.env.KUMIKI_SCREENSHOTS ?? 'target/screenshots';
const chromiumPath = process.env.KUMIKI_CHROMIUM ?? '/usr/bin/chromium';

async function center(locator) {
  const box = await locator.boundingBox();
  assert.ok(box, 'visible: ' + locator);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

async function drag(page, from, to) {
  const a = await center(from);
  const b = await center(to);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 8 });
  await page.mouse.move(b.x, b.y, { steps: 8 });
  await page.mouse.up();
}

const handle = (page, node, kind, port) =>
  page.locator(`[data-testid="node-${node}"] .react-flow__handle.${kind}[data-handleid="${port}"]`);

test('edit, connect, refuse, undo, set, run and save on the canvas', { timeout: 120_000 }, async () => {
  assert.ok(url, 'KUMIKI_CANVAS_URL is the canvas to test');
  mkdirSync(shots, { recursive: true });
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    // opened without its token, the page edits nothing and says which address to open
    const bare = new URL(url);
    bare.search = '';
    const stranger = await browser.newPage();
    await stranger.goto(bare.href);
    assert.match(await stranger.locator('[data-testid="problem"]').textContent(), /opened without its token/);
    await stranger.screenshot({ path: `${shots}/canvas-no-token.png` });
    const refusal = await stranger.evaluate(async () => {
      const r = await fetch('api/command', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ type: 'save' }) });
      return `${r.status} ${(await r.json()).message}`;
    });
    assert.match(refusal, /^401 refused: no token/);
    await stranger.close();

    assert.match(url, /\?token=[0-9a-f]{64}$/, 'the printed address carries the token');
    await page.goto(url);
    await page.locator('[data-testid="node-merge"]').waitFor();
    assert.equal(new URL(page.url()).search, '', 'the token is taken out of the address bar');
    await page.reload(); // the tab keeps the token
    await page.locator('[data-testid="node-merge"]').waitFor();
    await page.waitForTimeout(300); // fitView
    const nodes = page.locator('.react-flow__node');
    const before = await nodes.count();
    assert.equal(before, 4, 'the four nodes of the file');
    // key settings at a glance: a merge's method (its default here), the paths
    const key = (node, setting) => page.locator(`[data-testid="key-${node}-${setting}"]`);
    assert.equal(await key('merge', 'method').textContent(), 'method linear');
    assert.equal(await key('a', 'path').textContent(), 'path models/a');
    assert.equal(await key('recipe', 'path').textContent(), 'path out/recipe.yml');
    assert.equal(await page.locator('[data-testid="node-merge"] .kkey').count(), 1, 'only the key settings');
    await page.screenshot({ path: `${shots}/canvas-opened.png` });

    // add: drag SaveModel from the palette onto an empty part of the canvas
    const pane = page.locator('.react-flow__pane');
    const box = await pane.boundingBox();
    await page.locator('[data-testid="palette-SaveModel"]').dragTo(pane, {
      targetPosition: { x: box.width * 0.55, y: box.height * 0.15 },
    });
    await page.locator('[data-testid="node-saveModel1"]').waitFor();
    assert.equal(await nodes.count(), before + 1);
    assert.equal(await page.locator('[data-testid="node-saveModel1"]').getAttribute('data-state'), 'error',
      'a SaveModel without a path is an error');

    // connect merge.model -> saveModel1.model
    await drag(page, handle(page, 'merge', 'source', 'model'), handle(page, 'saveModel1', 'target', 'model'));
    const edge = page.locator('[data-testid="rf__edge-merge.model->saveModel1.model"]');
    await edge.waitFor();

    // refuse: a file output into a model input, with the reason shown
    await drag(page, handle(page, 'recipe', 'source', 'file'), handle(page, 'saveModel1', 'target', 'model'));
    const notice = page.locator('[data-testid="notice"]');
    await notice.waitFor();
    assert.match(await notice.textContent(), /cannot connect recipe\.file to saveModel1\.model: it gives file but model takes model/);
    await page.screenshot({ path: `${shots}/canvas-refused.png` });

    // undo the connection, redo it
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await page.keyboard.press('Control+z');
    await edge.waitFor({ state: 'detached' });
    await page.keyboard.press('Control+y');
    await edge.waitFor();
    await page.screenshot({ path: `${shots}/canvas-redone.png` });

    // edit a setting in the form: the error goes away
    await page.locator('[data-testid="node-saveModel1"] .khead').click();
    const path = page.locator('#setting-saveModel1-path');
    await path.waitFor();
    assert.equal(await key('saveModel1', 'path').textContent(), 'path —', 'a required path not set yet');
    const long = 'out/a/rather/deep/folder/for/the/merged/model';
    await path.fill(long);
    await path.press('Enter');
    await key('saveModel1', 'path').filter({ hasText: 'path …' }).waitFor();
    assert.equal(await key('saveModel1', 'path').textContent(), 'path …' + long.slice(-27), 'long paths keep their end');
    assert.equal(await key('saveModel1', 'path').getAttribute('title'), 'path: ' + long, 'the tooltip has it all');
    await path.fill('out/from-canvas');
    await path.press('Enter');
    await key('saveModel1', 'path').filter({ hasText: /^path out\/from-canvas$/ }).waitFor();
    await page.locator('[data-testid="node-saveModel1"][data-state="configured"]').waitFor();

    // a choice: the node shows the method chosen in the form, and the default again after undo
    await page.locator('[data-testid="node-merge"] .khead').click();
    await page.locator('#setting-merge-method').selectOption('ties');
    await key('merge', 'method').filter({ hasText: 'method ties' }).waitFor();
    await page.screenshot({ path: `${shots}/canvas-key-settings.png` });
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await page.keyboard.press('Control+z');
    await key('merge', 'method').filter({ hasText: 'method linear' }).waitFor();

    // a method parameter from the merge library's definitions: a gradient for one model, typed as numbers
    await page.locator('[data-testid="node-merge"] .khead').click();
    await page.locator('[data-testid="parameters-merge"]').waitFor();
    const weight = page.locator('#param-merge-models-a-weight');
    assert.equal(await weight.getAttribute('placeholder'), '0.5', 'the weight for all models applies until set');
    assert.match(await page.locator('[data-testid="parameters-merge"]').textContent(), /normalize/);
    await weight.fill('0.2, 0.8');
    await weight.press('Enter');
    await page.waitForFunction(() => document.querySelector('#param-merge-models-a-weight')?.value === '[0.2, 0.8]');
    await page.locator('[data-testid="node-merge"][data-state="configured"]').waitFor();
    // a value that is not a number is reported at its field (the merge library says what it takes)
    await weight.fill('heavy');
    await weight.press('Enter');
    await page.locator('[data-testid="param-merge-models-a-weight"] .diag.error').waitFor();
    await page.screenshot({ path: `${shots}/canvas-parameters.png` });
    await weight.fill('0.2, 0.8');
    await weight.press('Enter');

    // run: states stream onto the nodes
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.locator('[data-testid="run-status"]', { hasText: 'succeeded' }).waitFor({ timeout: 60_000 });
    for (const id of ['a', 'b', 'merge', 'recipe', 'saveModel1']) {
      const state = await page.locator(`[data-testid="node-${id}"]`).getAttribute('data-state');
      assert.ok(['done', 'cached'].includes(state), `${id} is ${state}`);
    }
    await page.screenshot({ path: `${shots}/canvas-run.png` });

    // copy and paste a node, then delete the copy
    await page.locator('[data-testid="rf__node-merge"]').click({ position: { x: 40, y: 12 } });
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');
    const copy = page.locator('[data-testid="node-merge1"]');
    await copy.waitFor();
    await page.locator('[data-testid="node-merge1"].selected').waitFor(); // the copy is selected
    await page.keyboard.press('Delete');
    await copy.waitFor({ state: 'detached' });

    // multi-select with Ctrl, delete both at once, and get both back with one undo
    await page.locator('[data-testid="rf__node-a"]').click({ position: { x: 40, y: 12 } });
    await page.locator('[data-testid="rf__node-b"]').click({ position: { x: 40, y: 12 }, modifiers: ['Control'] });
    await page.locator('[data-testid="node-a"].selected').waitFor();
    await page.locator('[data-testid="node-b"].selected').waitFor();
    await page.keyboard.press('Delete');
    await page.locator('[data-testid="node-b"]').waitFor({ state: 'detached' });
    assert.equal(await page.locator('[data-testid="node-a"]').count(), 0);
    await page.keyboard.press('Control+z');
    await page.locator('[data-testid="node-a"]').waitFor();
    await page.locator('[data-testid="rf__edge-b.model->merge.models"]').waitFor();

    // auto-layout moves the nodes; one undo puts them all back
    const where = async () => page.locator('.react-flow__node').evaluateAll((ns) =>
      ns.map((n) => n.getAttribute('data-id') + ' ' + n.style.transform).sort().join('; '));
    const placed = await where();
    await page.getByRole('button', { name: 'Layout', exact: true }).click();
    await page.waitForFunction((b) => [...document.querySelectorAll('.react-flow__node')]
      .map((n) => n.getAttribute('data-id') + ' ' + n.style.transform).sort().join('; ') !== b, placed);
    await page.screenshot({ path: `${shots}/canvas-layout.png` });
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await page.keyboard.press('Control+z');
    await page.waitForFunction((b) => [...document.querySelectorAll('.react-flow__node')]
      .map((n) => n.getAttribute('data-id') + ' ' + n.style.transform).sort().join('; ') === b, placed);

    // search the palette and filter it by port type
    await page.getByLabel('Search nodes').fill('export');
    assert.deepEqual(await page.locator('.pitem b').allTextContents(), ['ExportMergekitYaml']);
    // EvolveMerge with its ports: models and base in; the best model, its recipe, the history and the Pareto front out
    await page.getByLabel('Search nodes').fill('evolve');
    assert.deepEqual(await page.locator('.pitem b').allTextContents(), ['EvolveMerge']);
    assert.equal(await page.locator('[data-testid="palette-EvolveMerge"] small').textContent(),
      'model, model → model, file, file, file');
    await page.screenshot({ path: `${shots}/canvas-palette-evolve.png` });
    await page.getByLabel('Search nodes').fill('');
    await page.getByLabel('Port type').selectOption('file');
    // the kinds with a file port: ExportMergekitYaml's recipe, EvolveMerge's recipe, history and Pareto front,
    // Train's folder, ApplyAdapter's adapter
    assert.deepEqual(await page.locator('.pitem b').allTextContents(),
      ['ExportMergekitYaml', 'EvolveMerge', 'Train', 'ApplyAdapter']);
    await page.getByLabel('Port type').selectOption('');

    // save: the dirty marker goes
    assert.match(await page.locator('[data-testid="title"]').textContent(), /^● /);
    await page.keyboard.press('Control+s');
    await page.locator('[data-testid="title"]', { hasText: /^p\.kumiki$/ }).waitFor();
    assert.deepEqual(errors, [], 'no script errors');
  } finally {
    await browser.close();
  }
});
