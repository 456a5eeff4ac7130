/**
 * Kumiki's evaluation harness: tasks in lm-evaluation-harness's YAML form over local datasets, metrics (including
 * llm-jp-eval's and Kuromoji-based Japanese ones), and results as JSONL, results.json and an HTML report. A plain
 * library: no EMF, engine or UI.
 */
package dev.kumiki.eval;
