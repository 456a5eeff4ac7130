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
    public static final MergeMethod LINEAR = new Linear();
    public static final MergeMethod SLERP = new Slerp();
    public static final MergeMethod NUSLERP = new NuSlerp();
    public static final MergeMethod TASK_ARITHMETIC = TaskArithmetic.taskArithmetic();
    public static final MergeMethod TIES = TaskArithmetic.ties();
    public static final MergeMethod DARE_TIES = TaskArithmetic.dareTies();
    public static final MergeMethod DARE_LINEAR = TaskArithmetic.dareLinear();
    public static final MergeMethod BREADCRUMBS = TaskArithmetic.breadcrumbs();
    public static final MergeMethod BREADCRUMBS_TIES = TaskArithmetic.breadcrumbsTies();
    public static final MergeMethod DELLA = TaskArithmetic.della();
    public static final MergeMethod DELLA_LINEAR = TaskArithmetic.dellaLinear();
    public static final MergeMethod MODEL_STOCK = new ModelStock();
    public static final MergeMethod SCE = new Sce();
    public static final MergeMethod PASSTHROUGH = new Passthrough();

    private static final Map<String, MergeMethod> METHODS = new LinkedHashMap<>();

    static {
        for (MergeMethod m : new MergeMethod[] {LINEAR, SLERP, NUSLERP, TASK_ARITHMETIC, TIES, DARE_TIES, DARE_LINEAR,
                BREADCRUMBS, BREADCRUMBS_TIES, DELLA, DELLA_LINEAR, MODEL_STOCK, SCE, PASSTHROUGH}) {
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
