package dev.kumiki.evolve.space;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import dev.kumiki.llm.tokenizer.PretrainedTokenizer;
import dev.kumiki.merge.MagnitudeProfiles;
import dev.kumiki.merge.MergeMethod;
import dev.kumiki.merge.MergeMethods;
import dev.kumiki.merge.MergePlanner;
import dev.kumiki.merge.ParameterDef;
import dev.kumiki.merge.config.ConfigException;
import dev.kumiki.merge.config.MergeConfig;
import dev.kumiki.merge.config.ParameterValue;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.io.Names;

/**
 * The parameter space of evolutionary merging (kind {@code ps}), as mergekit-evolve defines it: a genome holds, for
 * every layer group, the searched per-model parameters of every source model (e.g. {@code weight} and
 * {@code density} of TIES), followed by the searched parameters the method takes once (e.g. slerp's {@code t}). A
 * genome in [0, 1]ⁿ is mapped linearly to each parameter's bounds, rounded ({@link #round}), and
 * decoded straight into the merge library's typed {@link MergeConfig}; no YAML is written on the way.
 * <p>
 * Layer groups split the layers into contiguous groups, each with its own parameters, written as mergekit
 * {@code slices} (one per group, every source model over the group's {@code layer_range}, the base model added
 * without parameters), which mergekit reads back exactly; as in mergekit, the embeddings take the first group's
 * parameters and the final norm and head the last group's. With one group the recipe uses {@code models}.
 * <p>
 * Defaults, following mergekit-evolve: the searched parameters are {@code weight} and {@code density} where the method
 * has them (else its other number parameters, e.g. slerp's {@code t}); {@code weight} in [0, 1], or [-1, 1] when
 * negative weights are allowed; {@code density} in [0.1, 1] (a density of 0 drops every change, and TIES refuses a
 * density that keeps no element of a tensor), for della in (epsilon, 1 - epsilon) (its keep probabilities
 * density ± epsilon must stay inside (0, 1)); della's {@code epsilon} in [0, 0.3]; other
 * parameters in the method's own range, else [0, 1];
 * {@code normalize} true for linear, ties and dare_ties and false otherwise (mergekit-evolve's rule).
 * <p>
 * Every mistake is found by {@link Builder#build()}, before any candidate runs, with an {@link IllegalArgumentException}
 * whose message says what is wrong and what to do: an unknown method or parameter (with the nearest name), a method
 * that needs a base model without one, empty bounds, negative weight bounds where negative weights are not allowed,
 * models whose layers or tensor shapes cannot be merged (naming both models and the tensor).
 * <p>
 * The space opens each model folder once and keeps it mapped for every candidate it decodes (and the base model's
 * tokenizer); {@link #close()} releases them.
 */
public final class ParameterSpace implements SearchSpace, AutoCloseable {
    /** Significant digits of decoded values, in keys, recipes and the merged models alike. */
    public static final int DIGITS = 4;
    /** della's epsilon when searched: up to twice mergekit's default 0.15, leaving density (0.31, 0.69). */
    private static final double[] EPSILON_BOUNDS = {0, 0.3};
    private static final Set<String> NORMALIZED_BY_DEFAULT = Set.of("linear", "ties", "dare_ties");

    /** One coordinate of the genome: a parameter of a model (or of the method) in a layer group. */
    record Gene(Optional<String> model, String parameter, int group, double lo, double hi, String name) {
    }

    private final Map<String, Path> models;
    private final Optional<Map.Entry<String, Path>> base;
    private final MergeMethod method;
    private final List<String> searched;
    private final int[] groupStarts;
    private final int layers;
    private final boolean normalize;
    private final Map<String, ParameterValue> fixed;
    private final Optional<String> dtype;
    private final Optional<String> tokenizerSource;
    private final long seed;
    private final List<Gene> genes;
    private final Map<String, ModelFolder> opened;
    private final PretrainedTokenizer tokenizer;
    private final Map<String, double[]> bounds;
    private final boolean negativeWeights;
    private final boolean smooth;
    /** The threads candidates are merged on, kept from one candidate to the next (with their buffers). */
    private java.util.concurrent.ExecutorService mergePool;
    private int mergeThreads;
    /**
     * The task vectors' sorted magnitudes, kept for the search: every candidate thresholds the same task vectors at
     * its own densities. An eighth of the heap at most; tensors past it are thresholded in two passes as usual.
     */
    private final MagnitudeProfiles magnitudes = MagnitudeProfiles.ofBytes(Runtime.getRuntime().maxMemory() / 8);

    private ParameterSpace(Builder b, MergeMethod method, List<String> searched, Map<String, double[]> bounds,
            int layers, boolean normalize, Map<String, ModelFolder> opened, PretrainedTokenizer tokenizer) {
        this.models = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.models));
        this.base = b.base;
        this.method = method;
        this.searched = List.copyOf(searched);
        this.bounds = bounds;
        this.negativeWeights = b.negativeWeights;
        this.smooth = b.smooth;
        this.layers = layers;
        this.normalize = normalize;
        this.fixed = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.fixed));
        this.dtype = b.dtype;
        this.tokenizerSource = b.tokenizerSource;
        this.seed = b.seed;
        this.opened = opened;
        this.tokenizer = tokenizer;
        int k = b.groups;
        this.groupStarts = new int[k + 1];
        for (int g = 0; g <= k; g++) {
            groupStarts[g] = (int) ((long) g * layers / k);
        }
        List<Gene> list = new ArrayList<>();
        Set<String> perModel = names(method.modelParameters());
        for (int g = 0; g < k; g++) {
            String layerName = k == 1 ? "" : smooth ? "/layer " + anchor(g, k, layers)
                    : "/layers " + groupStarts[g] + "-" + (groupStarts[g + 1] - 1);
            for (String model : models.keySet()) {
                for (String p : searched) {
                    if (perModel.contains(p)) {
                        double[] r = bounds.get(p);
                        list.add(new Gene(Optional.of(model), p, g, r[0], r[1], model + "/" + p + layerName));
                    }
                }
            }
            for (String p : searched) {
                if (!perModel.contains(p)) {
                    double[] r = bounds.get(p);
                    list.add(new Gene(Optional.empty(), p, g, r[0], r[1], p + layerName));
                }
            }
        }
        this.genes = List.copyOf(list);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String kind() {
        return "ps";
    }

    @Override
    public int dimensions() {
        return genes.size();
    }

    @Override
    public List<String> names() {
        return genes.stream().map(Gene::name).toList();
    }

    /** The merge method. */
    public MergeMethod method() {
        return method;
    }

    /** The searched parameters, in genome order within a model. */
    public List<String> searched() {
        return searched;
    }

    /** The bounds of {@code parameter}: {@code [lo, hi]}. */
    public double[] bounds(String parameter) {
        double[] r = bounds.get(parameter);
        if (r == null) {
            throw new IllegalArgumentException("'" + parameter + "' is not searched; searched are " + searched);
        }
        return r.clone();
    }

    /** Whether the decoded recipes set {@code normalize: true}. */
    public boolean normalize() {
        return normalize;
    }

    /** The layer groups as {@code [from, to)} ranges. */
    public List<int[]> layerGroups() {
        List<int[]> list = new ArrayList<>();
        for (int g = 0; g + 1 < groupStarts.length; g++) {
            list.add(new int[] {groupStarts[g], groupStarts[g + 1]});
        }
        return list;
    }

    /**
     * {@code value} rounded as decoded values of a parameter with bounds {@code [lo, hi]} are: to {@value #DIGITS}
     * significant digits of the larger bound's magnitude (4 decimals for [0, 1]), so that a value the bounds make
     * zero is written 0, not 1e-17; no negative zero.
     */
    public static double round(double value, double lo, double hi) {
        double scale = Math.max(Math.abs(lo), Math.abs(hi));
        int exponent = scale > 0 ? (int) Math.ceil(Math.log10(scale)) : 0;
        double r = new BigDecimal(value).setScale(DIGITS - exponent, RoundingMode.HALF_EVEN).doubleValue();
        return r == 0 ? 0.0 : r;
    }

    /** Whether the parameters of the layer groups are interpolated over the layers ({@link Builder#smooth}). */
    public boolean smooth() {
        return smooth;
    }

    /** Where point {@code g} of {@code k} of a smooth parameter lies: a layer, or between two (mergekit's gradient). */
    static String anchor(int g, int k, int layers) {
        double at = (double) g * (layers - 1) / (k - 1);
        return at == Math.rint(at) ? Long.toString((long) at) : String.format(java.util.Locale.ROOT, "%.1f", at);
    }

    /** Each parameter of {@code model} ("" for the method's own) as the gradient of its values over the groups. */
    private static Map<String, ParameterValue> gradients(List<Map<String, Map<String, ParameterValue>>> values,
            String model) {
        Map<String, ParameterValue> out = new LinkedHashMap<>();
        for (String p : values.get(0).get(model).keySet()) {
            double[] points = new double[values.size()];
            for (int g = 0; g < points.length; g++) {
                points[g] = ((ParameterValue.Number) values.get(g).get(model).get(p)).value();
            }
            out.put(p, ParameterValue.gradient(points));
        }
        return out;
    }

    /** The value coordinate {@code g} (clipped to [0, 1]) stands for between {@code lo} and {@code hi}, rounded. */
    static double scale(double g, double lo, double hi) {
        double x = Double.isNaN(g) ? 0.5 : Math.min(1, Math.max(0, g));
        return round(lo + x * (hi - lo), lo, hi);
    }

    /**
     * The recipe {@code genome} stands for: each coordinate clipped to [0, 1] (NaN taken as 0.5), mapped to its
     * parameter's bounds and rounded ({@link #round}).
     *
     * @throws IllegalArgumentException when the genome's length is not {@link #dimensions()}
     */
    @Override
    public MergeCandidate decode(double[] genome) {
        if (genome.length != genes.size()) {
            throw new IllegalArgumentException("a genome of this space has " + genes.size() + " values ("
                    + String.join(", ", names()) + "), not " + genome.length);
        }
        int k = groupStarts.length - 1;
        // values[group][model or "" for the method's own parameters][parameter]
        List<Map<String, Map<String, ParameterValue>>> values = new ArrayList<>();
        for (int g = 0; g < k; g++) {
            Map<String, Map<String, ParameterValue>> byModel = new LinkedHashMap<>();
            models.keySet().forEach(m -> byModel.put(m, new LinkedHashMap<>()));
            byModel.put("", new LinkedHashMap<>());
            values.add(byModel);
        }
        Map<String, Double> shown = new LinkedHashMap<>();
        for (int i = 0; i < genes.size(); i++) {
            Gene gene = genes.get(i);
            double v = scale(genome[i], gene.lo(), gene.hi());
            values.get(gene.group()).get(gene.model().orElse("")).put(gene.parameter(), ParameterValue.of(v));
            shown.put(gene.name(), v);
        }
        MergeConfig.Builder b = MergeConfig.builder().method(method);
        base.ifPresent(e -> b.base(e.getKey(), e.getValue()));
        models.forEach(b::folder);
        if (k == 1) {
            models.forEach((name, folder) -> b.add(name, folder, values.get(0).get(name)));
            values.get(0).get("").forEach(b::parameter);
        } else if (smooth) {
            // mergekit-evolve's smooth: each parameter a gradient of its k values, interpolated over all the layers
            models.forEach((name, folder) -> b.add(name, folder, gradients(values, name)));
            gradients(values, "").forEach(b::parameter);
        } else {
            for (int g = 0; g < k; g++) {
                List<MergeConfig.Builder.Source> sources = new ArrayList<>();
                for (String m : models.keySet()) {
                    sources.add(new MergeConfig.Builder.Source(m, groupStarts[g], groupStarts[g + 1],
                            values.get(g).get(m)));
                }
                if (base.isPresent() && method.baseUse() != MergeMethod.BaseUse.NONE) {
                    sources.add(new MergeConfig.Builder.Source(base.get().getKey(), groupStarts[g],
                            groupStarts[g + 1], Map.of()));
                }
                b.slice(sources, values.get(g).get(""));
            }
        }
        if (names(method.parameters()).contains("normalize")) {
            b.parameter("normalize", ParameterValue.of(normalize));
        }
        fixed.forEach(b::parameter);
        dtype.ifPresent(b::dtype);
        tokenizerSource.ifPresent(b::tokenizerSource);
        try {
            return new MergeCandidate(this, b.build(), shown);
        } catch (ConfigException e) {
            // the space was checked when it was built, so a decoded recipe is always well formed
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** The opened model folders by name, shared by every candidate. */
    Map<String, ModelFolder> opened() {
        return opened;
    }

    PretrainedTokenizer tokenizer() {
        return tokenizer;
    }

    MagnitudeProfiles magnitudes() {
        return magnitudes;
    }

    long seed() {
        return seed;
    }

    /**
     * The pool candidates' tensors are merged on, {@code threads} daemon threads, the same from one candidate to the
     * next: a pool per candidate started threads and allocated their merge buffers again each time.
     */
    synchronized java.util.concurrent.ExecutorService mergePool(int threads) {
        if (mergePool == null || mergeThreads != threads) {
            if (mergePool != null) {
                mergePool.shutdown(); // its queued tensors still run
            }
            mergePool = java.util.concurrent.Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "kumiki-evolve-merge");
                t.setDaemon(true);
                return t;
            });
            mergeThreads = threads;
        }
        return mergePool;
    }

    /**
     * Unmaps the models, closes the tokenizer and stops the merge threads; candidates opened before stay usable (they
     * hold their tensors).
     */
    @Override
    public synchronized void close() {
        if (mergePool != null) {
            mergePool.shutdownNow();
            mergePool = null;
        }
        opened.values().forEach(ModelFolder::close);
        tokenizer.close();
    }

    private static Set<String> names(List<ParameterDef> defs) {
        Set<String> s = new LinkedHashSet<>();
        defs.forEach(d -> s.add(d.name()));
        return s;
    }

    private static String range(double[] r) {
        return "[" + ParameterValue.of(r[0]) + ", " + ParameterValue.of(r[1]) + "]";
    }

    /** Settings of a {@link ParameterSpace}. */
    public static final class Builder {
        private final Map<String, Path> models = new LinkedHashMap<>();
        private Optional<Map.Entry<String, Path>> base = Optional.empty();
        private String method;
        private List<String> search;
        private int groups = 1;
        private final Map<String, double[]> bounds = new LinkedHashMap<>();
        private Optional<Boolean> normalize = Optional.empty();
        private boolean negativeWeights;
        private boolean smooth;
        private final Map<String, ParameterValue> fixed = new LinkedHashMap<>();
        private Optional<String> dtype = Optional.empty();
        private Optional<String> tokenizerSource = Optional.empty();
        private long seed;

        private Builder() {
        }

        /** A source model, by the name recipes and genome names use, in {@code folder}. */
        public Builder model(String name, Path folder) {
            Objects.requireNonNull(name, "name");
            if (models.containsKey(name)) {
                throw new IllegalArgumentException("model '" + name + "' is given twice; give each source model once");
            }
            models.put(name, Objects.requireNonNull(folder, "folder"));
            return this;
        }

        /** The base model (task arithmetic and its relatives, slerp). */
        public Builder base(String name, Path folder) {
            base = Optional.of(Map.entry(Objects.requireNonNull(name, "name"), Objects.requireNonNull(folder, "folder")));
            return this;
        }

        /** The merge method, by its mergekit name ({@code ties}, {@code dare_ties}, {@code task_arithmetic}…). */
        public Builder method(String name) {
            this.method = Objects.requireNonNull(name, "method");
            return this;
        }

        /** The parameters searched (default: weight and density where the method has them). */
        public Builder search(String... parameters) {
            this.search = List.of(parameters);
            return this;
        }

        /** The parameters searched. */
        public Builder search(List<String> parameters) {
            this.search = List.copyOf(parameters);
            return this;
        }

        /** Splits the layers into {@code k} contiguous groups, each with its own parameters (default 1). */
        public Builder layerGroups(int k) {
            if (k < 1) {
                throw new IllegalArgumentException("layer groups must be at least 1, not " + k);
            }
            this.groups = k;
            return this;
        }

        /** The range {@code parameter} is searched in: genome 0 is {@code lo}, 1 is {@code hi}. */
        public Builder bounds(String parameter, double lo, double hi) {
            bounds.put(Objects.requireNonNull(parameter, "parameter"), new double[] {lo, hi});
            return this;
        }

        /** Whether recipes set {@code normalize} true (default: mergekit-evolve's, true for linear, ties, dare_ties). */
        public Builder normalize(boolean on) {
            this.normalize = Optional.of(on);
            return this;
        }

        /**
         * Whether the layer groups' values are points of a gradient interpolated over all the layers (mergekit's
         * gradient, as mergekit-evolve's {@code smooth}) rather than constant within each group; default false. Needs
         * two groups or more.
         */
        public Builder smooth(boolean on) {
            this.smooth = on;
            return this;
        }

        /** Whether weights may be negative (default false; when true, weights default to [-1, 1]). */
        public Builder allowNegativeWeights(boolean allow) {
            this.negativeWeights = allow;
            return this;
        }

        /** A parameter of the method that every recipe sets to {@code value} (e.g. {@code lambda}), not searched. */
        public Builder fixed(String parameter, ParameterValue value) {
            fixed.put(Objects.requireNonNull(parameter, "parameter"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** {@code dtype} of the recipes (default: none, the inputs' types). */
        public Builder dtype(String d) {
            this.dtype = Optional.of(d);
            return this;
        }

        /** {@code tokenizer_source}: {@code base} or a model's name (default: the base's, else the first model's). */
        public Builder tokenizerSource(String s) {
            this.tokenizerSource = Optional.of(s);
            return this;
        }

        /** Seed of the random methods (DARE, DELLA): every candidate is merged with it. */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /**
         * The space, its models opened and checked: a recipe of the space is planned from their headers, so that
         * models that cannot be merged are reported now rather than by the first candidate.
         *
         * @throws IllegalArgumentException when a setting is wrong (the message says which and what to do)
         * @throws IOException              when a model folder or the tokenizer cannot be read
         */
        public ParameterSpace build() throws IOException {
            if (models.isEmpty()) {
                throw new IllegalArgumentException("the parameter space needs at least one source model to merge");
            }
            if (method == null) {
                throw new IllegalArgumentException("the parameter space needs a merge method (one of "
                        + String.join(", ", MergeMethods.names()) + ")");
            }
            MergeMethod m = MergeMethods.byName(method).orElseThrow(() -> new IllegalArgumentException(
                    "unknown merge method '" + method + "'" + Names.nearest(method, MergeMethods.names())
                            .map(s -> "; did you mean '" + s + "'?").orElse("") + " (Kumiki has "
                            + String.join(", ", MergeMethods.names()) + ")"));
            if (m.baseUse() == MergeMethod.BaseUse.REQUIRED && base.isEmpty()) {
                throw new IllegalArgumentException(m.name() + " merges changes from a base model; give the base model "
                        + "(the model the sources were fine-tuned from)");
            }
            if (m.baseUse() == MergeMethod.BaseUse.NONE && base.isPresent()) {
                throw new IllegalArgumentException(m.name() + " has no base model; leave out base model '"
                        + base.get().getKey() + "' or use a method that merges changes from one (e.g. ties)");
            }
            if (smooth && groups < 2) {
                throw new IllegalArgumentException("smooth interpolates the values of two or more layer groups over "
                        + "the layers; set layer groups to 2 or more, or leave smooth out");
            }
            if (base.isPresent() && models.containsKey(base.get().getKey())) {
                throw new IllegalArgumentException("'" + base.get().getKey() + "' is both the base model and a source "
                        + "model; " + m.name() + " ignores a base model's parameters, so give it only as the base");
            }
            Map<String, ParameterDef> defs = new LinkedHashMap<>();
            m.modelParameters().forEach(d -> defs.put(d.name(), d));
            m.parameters().forEach(d -> defs.putIfAbsent(d.name(), d));
            List<String> params = search != null ? search : defaultSearch(m);
            if (params.isEmpty()) {
                throw new IllegalArgumentException(m.name() + " has no number parameter to search (its parameters: "
                        + (defs.isEmpty() ? "none" : String.join(", ", defs.keySet())) + "); choose another method");
            }
            if (new LinkedHashSet<>(params).size() != params.size()) {
                throw new IllegalArgumentException("a searched parameter is given twice: " + params);
            }
            for (String p : params) {
                known(m, defs, p, "searched parameter");
                if (defs.get(p).kind() != ParameterDef.Kind.NUMBER) {
                    throw new IllegalArgumentException(m.name() + "'s parameter '" + p + "' is true or false and is "
                            + "not searched; set it with " + (p.equals("normalize") ? "normalize" : "a fixed value"));
                }
            }
            if (m.name().equals("task_arithmetic") && params.contains("density")) {
                throw new IllegalArgumentException("task_arithmetic keeps whole task vectors and ignores density; "
                        + "search weight only, or use ties, dare_ties or dare_linear to search density");
            }
            for (String p : bounds.keySet()) {
                known(m, defs, p, "parameter with bounds");
                if (!params.contains(p)) {
                    throw new IllegalArgumentException("bounds are given for '" + p + "', which is not searched "
                            + "(searched: " + String.join(", ", params) + "); search it or drop its bounds");
                }
            }
            for (String p : fixed.keySet()) {
                known(m, defs, p, "fixed parameter");
                if (params.contains(p)) {
                    throw new IllegalArgumentException("'" + p + "' is both searched and fixed; do one or the other");
                }
                if (p.equals("normalize")) {
                    throw new IllegalArgumentException("set normalize with the normalize setting, not as a fixed "
                            + "parameter");
                }
            }
            for (ParameterDef d : defs.values()) {
                if (d.required() && !params.contains(d.name()) && !fixed.containsKey(d.name())) {
                    throw new IllegalArgumentException(m.name() + " needs '" + d.name() + "' (" + d.doc() + "); search "
                            + "it or give it a fixed value");
                }
            }
            Map<String, double[]> ranges = new LinkedHashMap<>();
            for (String p : params) {
                double[] r = bounds.containsKey(p) ? bounds.get(p) : defaultBounds(defs.get(p), defs);
                if (!Double.isFinite(r[0]) || !Double.isFinite(r[1]) || r[0] >= r[1]) {
                    throw new IllegalArgumentException("the bounds of '" + p + "' are empty: " + range(r)
                            + " (lower must be below upper); give e.g. " + range(defaultBounds(defs.get(p), defs)));
                }
                if (p.equals("weight") && r[0] < 0 && !negativeWeights) {
                    throw new IllegalArgumentException("the bounds of 'weight' " + range(r) + " include negative "
                            + "weights, which are not allowed; allow negative weights or start the bounds at 0");
                }
                ParameterDef d = defs.get(p);
                if (d.min().isPresent() && r[0] < d.min().getAsDouble()
                        || d.max().isPresent() && r[1] > d.max().getAsDouble()) {
                    throw new IllegalArgumentException("the bounds of '" + p + "' " + range(r) + " leave " + m.name()
                            + "'s range [" + ParameterValue.of(d.min().orElse(Double.NEGATIVE_INFINITY)) + ", "
                            + ParameterValue.of(d.max().orElse(Double.POSITIVE_INFINITY)) + "]; keep them inside it");
                }
                ranges.put(p, r);
            }
            if (defs.containsKey("epsilon") && ranges.containsKey("density")) {
                double eps = epsilon(defs);
                double[] d = ranges.get("density");
                if (d[0] - eps <= 0 || d[1] + eps >= 1) {
                    throw new IllegalArgumentException(m.name() + " needs 0 < density - epsilon and density + epsilon "
                            + "< 1; the density bounds " + range(d) + " with epsilon up to " + ParameterValue.of(eps)
                            + " leave that range; keep the density bounds inside (" + ParameterValue.of(eps) + ", "
                            + ParameterValue.of(ParameterSpace.round(1 - eps, 0, 1)) + ")");
                }
            }
            tokenizerSource.ifPresent(t -> {
                if (!t.equals("base") && !models.containsKey(t) && base.map(e -> !e.getKey().equals(t)).orElse(true)) {
                    throw new IllegalArgumentException("tokenizer source '" + t + "' is neither 'base' nor one of the "
                            + "models (" + String.join(", ", allNames()) + ")" + Names.nearest(t, allNames())
                                    .map(s -> "; did you mean '" + s + "'?").orElse(""));
                }
            });
            Map<String, ModelFolder> opened = new LinkedHashMap<>();
            PretrainedTokenizer tok = null;
            try {
                int layers = openAll(opened);
                if (groups > layers) {
                    throw new IllegalArgumentException(groups + " layer groups cannot be made from the " + layers
                            + " layers of the models; use at most " + layers);
                }
                boolean norm = normalize.orElse(NORMALIZED_BY_DEFAULT.contains(m.name()));
                Path tokenizerFolder = tokenizerFolder();
                try {
                    tok = PretrainedTokenizer.load(tokenizerFolder);
                } catch (IOException e) {
                    throw new IOException("the tokenizer of the merged models (" + tokenizerFolder + ") cannot be "
                            + "read: " + e.getMessage(), e);
                }
                ParameterSpace space = new ParameterSpace(this, m, params, ranges, layers, norm, opened, tok);
                space.check();
                return space;
            } catch (IOException | RuntimeException e) {
                opened.values().forEach(ModelFolder::close);
                if (tok != null) {
                    tok.close();
                }
                throw e;
            }
        }

        private List<String> allNames() {
            List<String> all = new ArrayList<>(models.keySet());
            base.ifPresent(e -> all.add(e.getKey()));
            return all;
        }

        private Path tokenizerFolder() {
            if (tokenizerSource.isPresent() && !tokenizerSource.get().equals("base")) {
                String t = tokenizerSource.get();
                return models.containsKey(t) ? models.get(t) : base.get().getValue();
            }
            return base.map(Map.Entry::getValue).orElse(models.values().iterator().next());
        }

        /** Opens every model and returns their common layer count. */
        private int openAll(Map<String, ModelFolder> opened) throws IOException {
            Map<String, Path> all = new LinkedHashMap<>();
            base.ifPresent(e -> all.put(e.getKey(), e.getValue()));
            all.putAll(models);
            String first = null;
            int layers = -1;
            for (Map.Entry<String, Path> e : all.entrySet()) {
                if (!Files.isDirectory(e.getValue())) {
                    throw new IllegalArgumentException("model '" + e.getKey() + "' is not a folder here ("
                            + e.getValue() + "); give the folder of a Hugging Face model");
                }
                ModelFolder f = ModelFolder.open(e.getValue());
                opened.put(e.getKey(), f);
                OptionalInt n = f.config().map(c -> c.layers()).orElse(OptionalInt.empty());
                if (n.isEmpty()) {
                    throw new IllegalArgumentException("model '" + e.getKey() + "' (" + e.getValue() + ") has no "
                            + "num_hidden_layers in its config.json; the parameter space needs the layer count");
                }
                if (first == null) {
                    first = e.getKey();
                    layers = n.getAsInt();
                } else if (n.getAsInt() != layers) {
                    throw new IllegalArgumentException("model '" + e.getKey() + "' has " + n.getAsInt()
                            + " layers but '" + first + "' has " + layers + "; the parameter space merges layer by "
                            + "layer and needs equal layer counts (the data-flow space combines different depths)");
                }
            }
            return layers;
        }

        private static List<String> defaultSearch(MergeMethod m) {
            List<String> list = new ArrayList<>();
            for (ParameterDef d : m.modelParameters()) {
                if (d.name().equals("weight") || d.name().equals("density") && !m.name().equals("task_arithmetic")) {
                    list.add(d.name());
                }
            }
            if (list.isEmpty()) {
                for (ParameterDef d : m.parameters()) {
                    if (d.kind() == ParameterDef.Kind.NUMBER && !d.name().equals("lambda")) {
                        list.add(d.name());
                    }
                }
            }
            return list;
        }

        private double[] defaultBounds(ParameterDef d, Map<String, ParameterDef> defs) {
            if (d.name().equals("weight")) {
                return negativeWeights ? new double[] {-1, 1} : new double[] {0, 1};
            }
            if (d.name().equals("density") && defs.containsKey("epsilon")) {
                // della keeps with probability density ± epsilon, which must stay inside (0, 1)
                double eps = epsilon(defs);
                return new double[] {round(eps + 0.01, 0, 1), round(1 - eps - 0.01, 0, 1)};
            }
            if (d.name().equals("density")) {
                return new double[] {0.1, 1};
            }
            if (d.name().equals("epsilon")) {
                return EPSILON_BOUNDS.clone();
            }
            return new double[] {d.min().orElse(0), d.max().orElse(1)};
        }

        /** The largest epsilon a della recipe of this space can have: searched, fixed or the default. */
        private double epsilon(Map<String, ParameterDef> defs) {
            if (search != null && search.contains("epsilon")) {
                return bounds.containsKey("epsilon") ? bounds.get("epsilon")[1] : EPSILON_BOUNDS[1];
            }
            if (fixed.get("epsilon") instanceof ParameterValue.Number n) {
                return n.value();
            }
            return (Double) defs.get("epsilon").defaultValue().orElse(0.15);
        }

        private static void known(MergeMethod m, Map<String, ParameterDef> defs, String p, String what) {
            if (!defs.containsKey(p)) {
                throw new IllegalArgumentException(m.name() + " has no parameter '" + p + "' (" + what + ")"
                        + Names.nearest(p, defs.keySet()).map(s -> "; did you mean '" + s + "'?").orElse("")
                        + " (" + m.name() + " has " + (defs.isEmpty() ? "none" : String.join(", ", defs.keySet()))
                        + ")");
            }
        }
    }

    /**
     * Plans the recipes of the initial genome and of both corners of the bounds from the models' headers: shapes,
     * tensors and layers are checked, and the method's checks of its parameter values (e.g. a TIES density that keeps
     * no element of a small tensor) run at the extremes the search can reach.
     */
    private void check() {
        double[] lowest = new double[dimensions()];
        double[] highest = new double[dimensions()];
        java.util.Arrays.fill(highest, 1);
        String[] where = {"", " at the lower bounds", " at the upper bounds"};
        double[][] genomes = {initial(), lowest, highest};
        for (int i = 0; i < genomes.length; i++) {
            try {
                MergePlanner.plan(decode(genomes[i]).config(), opened);
            } catch (ConfigException e) {
                throw new IllegalArgumentException("the models cannot be merged with " + method.name() + where[i]
                        + ": " + e.problem() + (i == 0 ? "" : "; narrow the bounds"));
            } catch (IOException e) {
                throw new IllegalArgumentException("the models cannot be read: " + e.getMessage());
            }
        }
    }

    /**
     * Every setting of the space on one line, folders included: equal texts mean equal spaces, so a checkpoint can
     * refuse to resume under a different one.
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("ps: ").append(method.name());
        base.ifPresent(e -> b.append("; base ").append(e.getKey()).append('=').append(e.getValue()));
        b.append("; models ");
        models.forEach((k, v) -> b.append(k).append('=').append(v).append(", "));
        b.setLength(b.length() - 2);
        b.append("; search");
        searched.forEach(p -> b.append(' ').append(p).append(' ').append(range(bounds.get(p))));
        b.append("; layer groups");
        layerGroups().forEach(g -> b.append(' ').append(g[0]).append('-').append(g[1] - 1));
        if (smooth) {
            b.append(", smooth"); // only when set: the settings of searches written before stay as they were
        }
        b.append("; normalize ").append(normalize);
        b.append("; negative weights ").append(negativeWeights);
        fixed.forEach((k, v) -> b.append("; ").append(k).append(' ').append(v));
        dtype.ifPresent(d -> b.append("; dtype ").append(d));
        tokenizerSource.ifPresent(t -> b.append("; tokenizer_source ").append(t));
        return b.append("; seed ").append(seed).toString();
    }
}
