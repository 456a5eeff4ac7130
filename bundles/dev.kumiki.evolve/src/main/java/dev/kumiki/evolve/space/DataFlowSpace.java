package dev.kumiki.evolve.space;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import dev.kumiki.llm.runtime.LayerPath;

/**
 * The data-flow space (kind {@code dfs}) of Sakana AI's evolutionary model merging (arXiv 2403.13187, section 3.2):
 * a path of layers through two or more models, run by the runtime straight from the models ({@code Transformer.path};
 * no merged copy is written). The first model supplies the embeddings, the final norm and the output head.
 * <p>
 * <b>The genome</b> (every value in [0, 1], as the optimisers propose them):
 * <ol>
 * <li>the indicator array: {@code T = M × r} entries, M the layers of all models together (the first model's layers,
 * then the second's, …), repeated r times ({@link Settings#repeats()}). Slot t stands for layer {@code t mod M}; the
 * path visits the slots in order and takes a layer where its entry is above 0.5. (The paper writes "> 0" for a value
 * centred on 0: mapping [0, 1] to [−1, 1] makes the two the same rule.) When no entry is above 0.5 the path is the one
 * slot with the largest entry (the earliest on ties), so every genome is a model; when more than
 * {@link Settings#maxLength()} are above, the {@code maxLength} largest are kept (the earliest on ties), in slot order.
 * <li>the scales ({@link Settings#scales()}): with {@link ScaleMode#MATRIX}, the paper's {@code M × M} matrix W
 * row-major, {@code W[i][j]} the scale of the hidden state when the path goes from layer i to layer j; with
 * {@link ScaleMode#PER_LAYER}, M entries, one per layer entered, whatever came before (for large M, where M² is too
 * many dimensions for CMA-ES); with {@link ScaleMode#NONE}, none (every scale 1). A genome value g gives the scale
 * {@code min + g × (max − min)}, rounded to 3 decimals (the recipe's precision, so that equal recipes are equal
 * models). The first step reads the embeddings, with no layer before it: its scale is 1.
 * </ol>
 * {@link #initial()} is the first model as it is: its layers, once, in order, every scale at the midpoint of the bounds
 * (1 for the default bounds) — not 0.5 everywhere, which would switch every layer off.
 * <p>
 * The models are described from their config.json at once (models whose layers cannot share a path are refused before
 * any candidate runs) and opened once, by the first candidate opened; every candidate shares them. {@link #close()}
 * releases them.
 */
public final class DataFlowSpace implements SearchSpace, AutoCloseable {

    /** How the scales between layers are searched. */
    public enum ScaleMode {
        /** The paper's M × M matrix: a scale for every pair (previous layer, next layer). */
        MATRIX,
        /** One scale per layer entered, whatever layer came before: M dimensions instead of M². */
        PER_LAYER,
        /** No scales: every step passes the hidden state on unchanged. */
        NONE;

        /** As users write it: {@code matrix}, {@code per-layer}, {@code none}. */
        public String id() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /**
         * The mode users wrote.
         *
         * @throws IllegalArgumentException naming the modes there are
         */
        public static ScaleMode of(String id) {
            for (ScaleMode m : values()) {
                if (m.id().equals(id)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("scales: '" + id + "' is not a scale mode; use matrix (the paper's "
                    + "M × M matrix), per-layer or none");
        }
    }

    /**
     * The settings of the space.
     *
     * @param repeats   r, how many times the models' layers are offered in turn (the paper: 3)
     * @param minScale  the smallest scale a genome maps to
     * @param maxScale  the largest scale; equal to {@code minScale} fixes every scale
     * @param maxLength the most steps a path has; 0 for no limit beyond T
     * @param scales    how scales are searched
     */
    public record Settings(int repeats, double minScale, double maxScale, int maxLength, ScaleMode scales) {
        /** The paper's r = 3; scales in [0.5, 1.5] (1 in the middle); no length limit; the full matrix. */
        public static final Settings DEFAULTS = new Settings(3, 0.5, 1.5, 0, ScaleMode.MATRIX);

        /** @throws IllegalArgumentException naming the setting, what it must be and what was found */
        public Settings {
            if (repeats < 1) {
                throw new IllegalArgumentException("repeats must be at least 1 (the paper uses 3), found " + repeats);
            }
            if (!Double.isFinite(minScale) || !Double.isFinite(maxScale)) {
                throw new IllegalArgumentException("scale bounds must be finite numbers, found [" + minScale + ", "
                        + maxScale + "]");
            }
            if (minScale > maxScale) {
                throw new IllegalArgumentException("the scale bounds are empty: min_scale " + minScale
                        + " is above max_scale " + maxScale + "; give min_scale <= max_scale (default 0.5 and 1.5)");
            }
            if (maxLength < 0) {
                throw new IllegalArgumentException("max_length must be >= 0 (0: no limit), found " + maxLength);
            }
            java.util.Objects.requireNonNull(scales, "scales");
        }
    }

    private final String kind;
    private final PathModels models;
    private final Settings settings;
    /** M: the layers of all models together. */
    private final int layers;
    /** For each of the M layers: its model and its index in that model. */
    private final int[] modelOf;
    private final int[] layerOf;
    private final List<String> names;

    DataFlowSpace(String kind, PathModels models, Settings settings) {
        this.kind = kind;
        this.models = models;
        this.settings = settings;
        List<PathModels.Source> sources = models.sources();
        int m = 0;
        for (PathModels.Source s : sources) {
            m += s.config().layers();
        }
        this.layers = m;
        this.modelOf = new int[m];
        this.layerOf = new int[m];
        int j = 0;
        for (int i = 0; i < sources.size(); i++) {
            for (int l = 0; l < sources.get(i).config().layers(); l++) {
                modelOf[j] = i;
                layerOf[j] = l;
                j++;
            }
        }
        List<String> n = new ArrayList<>();
        for (int t = 0; t < slots(); t++) {
            n.add("use " + layerName(t % m) + " (repeat " + (t / m + 1) + ")");
        }
        switch (settings.scales()) {
            case MATRIX -> {
                for (int a = 0; a < m; a++) {
                    for (int b = 0; b < m; b++) {
                        n.add("scale " + layerName(a) + " → " + layerName(b));
                    }
                }
            }
            case PER_LAYER -> {
                for (int b = 0; b < m; b++) {
                    n.add("scale → " + layerName(b));
                }
            }
            case NONE -> {
            }
        }
        this.names = List.copyOf(n);
    }

    /**
     * The data-flow space over the model folders {@code models} (at least two; the first supplies embeddings, head and
     * tokenizer).
     *
     * @throws IOException naming the file when a model's config.json cannot be read or is not a model the runtime
     *         runs
     * @throws IllegalArgumentException naming the model and the key when a model's layers cannot run in a path that
     *         starts from the first model, or the models are fewer than two or share a name
     */
    public static DataFlowSpace of(List<PathRecipe.Model> models, Settings settings) throws IOException {
        if (models.size() < 2) {
            throw new IllegalArgumentException("a data-flow search runs through at least two models, " + models.size()
                    + " given");
        }
        List<PathModels.Source> sources = new ArrayList<>();
        for (PathRecipe.Model m : models) {
            if (m.folder().isEmpty()) {
                throw new IllegalArgumentException("model '" + m.name() + "' has no folder; a data-flow search over "
                        + "a merge is the hybrid space");
            }
            if (sources.stream().anyMatch(s -> s.recipe().name().equals(m.name()))) {
                throw new IllegalArgumentException("model name '" + m.name() + "' is used twice; each model of a "
                        + "path needs its own name");
            }
            sources.add(PathModels.Folder.of(m.name(), m.folder().get()));
        }
        return new DataFlowSpace("dfs", new PathModels(sources), settings);
    }

    private String layerName(int j) {
        return models.sources().get(modelOf[j]).recipe().name() + "." + layerOf[j];
    }

    private int slots() {
        return layers * settings.repeats();
    }

    @Override
    public String kind() {
        return kind;
    }

    public Settings settings() {
        return settings;
    }

    /** The models, in order. */
    public List<PathRecipe.Model> models() {
        return models.recipes();
    }

    @Override
    public int dimensions() {
        return names.size();
    }

    @Override
    public List<String> names() {
        return names;
    }

    /** The first model, unchanged: see the class comment. */
    @Override
    public double[] initial() {
        double[] g = new double[dimensions()];
        Arrays.fill(g, 0.5);
        int firstLayers = models.sources().get(0).config().layers();
        for (int t = 0; t < slots(); t++) {
            g[t] = t < firstLayers ? 0.75 : 0.25;
        }
        return g;
    }

    @Override
    public PathCandidate decode(double[] genome) {
        return new PathCandidate(kind, models, PathRecipe.of(models.recipes(), path(genome)));
    }

    /** The path a genome stands for (see the class comment). */
    public LayerPath path(double[] genome) {
        if (genome.length != dimensions()) {
            throw new IllegalArgumentException("a genome of the " + kind + " space has " + dimensions()
                    + " values, found " + genome.length);
        }
        int t0 = slots();
        double[] g = new double[genome.length];
        for (int i = 0; i < g.length; i++) {
            g[i] = Double.isNaN(genome[i]) ? 0.5 : Math.clamp(genome[i], 0.0, 1.0);
        }
        List<Integer> on = new ArrayList<>();
        for (int t = 0; t < t0; t++) {
            if (g[t] > 0.5) {
                on.add(t);
            }
        }
        if (on.isEmpty()) {
            int best = 0;
            for (int t = 1; t < t0; t++) {
                if (g[t] > g[best]) {
                    best = t;
                }
            }
            on.add(best);
        }
        if (settings.maxLength() > 0 && on.size() > settings.maxLength()) {
            List<Integer> byValue = new ArrayList<>(on);
            // stable: among equal entries the earlier slot stays
            byValue.sort((a, b) -> Double.compare(g[b], g[a]));
            on = new ArrayList<>(byValue.subList(0, settings.maxLength()));
            on.sort(null);
        }
        List<LayerPath.Step> steps = new ArrayList<>();
        int previous = -1;
        for (int t : on) {
            int j = t % layers;
            double scale = previous < 0 ? 1 : switch (settings.scales()) {
                case MATRIX -> scale(g[t0 + previous * layers + j]);
                case PER_LAYER -> scale(g[t0 + j]);
                case NONE -> 1;
            };
            steps.add(new LayerPath.Step(modelOf[j], layerOf[j], scale));
            previous = j;
        }
        return new LayerPath(models.sources().size(), steps);
    }

    private double scale(double g) {
        double s = settings.minScale() + g * (settings.maxScale() - settings.minScale());
        return Math.round(s * 1000) / 1000.0;
    }

    /** Releases the models, once every candidate's model is closed. */
    @Override
    public void close() {
        models.close();
    }

    @Override
    public String toString() {
        return kind + " over " + String.join(", ", models.recipes().stream().map(PathRecipe.Model::name).toList())
                + " (" + layers + " layers × " + settings.repeats() + " repeats, " + dimensions() + " dimensions)";
    }
}
