/**
 * Search spaces: the parameter space (merge parameters per model and layer group, decoded into the merge library's
 * typed {@code MergeConfig}), the data-flow space (a path of layers through several models with the scales of the
 * hidden state between them, run by the runtime without a merged copy) and the hybrid of both.
 */
package dev.kumiki.evolve.space;
