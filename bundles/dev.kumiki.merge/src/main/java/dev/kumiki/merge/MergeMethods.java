package dev.kumiki.merge;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.kumiki.merge.methods.Linear;
import dev.kumiki.merge.methods.ModelStock;
import dev.kumiki.merge.methods.NuSlerp;
import dev.kumiki.merge.methods.Passthrough;
import dev.kumiki.merge.methods.Sce;
import dev.kumiki.merge.methods.Slerp;
import dev.kumiki.merge.methods.TaskArithmetic;

/** Every merge method by its mergekit name. See docs/merge-methods.md for what each computes. */
public final class MergeMethods {
    private static final Map<String, MergeMethod> METHODS = new LinkedHashMap<>();

    static {
        for (MergeMethod m : new MergeMethod[] {new Linear(), new Slerp(), new NuSlerp(), TaskArithmetic.taskArithmetic(),
                TaskArithmetic.ties(), TaskArithmetic.dareTies(), TaskArithmetic.dareLinear(),
                TaskArithmetic.breadcrumbs(), TaskArithmetic.breadcrumbsTies(), TaskArithmetic.della(),
                TaskArithmetic.dellaLinear(), new ModelStock(), new Sce(), new Passthrough()}) {
            METHODS.put(m.name(), m);
        }
    }

    private MergeMethods() {
    }

    public static Optional<MergeMethod> byName(String name) {
        return Optional.ofNullable(METHODS.get(name));
    }

    /** The names, in mergekit's documentation order. */
    public static Set<String> names() {
        return java.util.Collections.unmodifiableSet(METHODS.keySet());
    }

    public static java.util.Collection<MergeMethod> all() {
        return java.util.Collections.unmodifiableCollection(METHODS.values());
    }
}
