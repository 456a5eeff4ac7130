package dev.kumiki.example.stats;

import java.util.List;

import dev.kumiki.engine.NodeKind;
import dev.kumiki.engine.NodeKindProvider;

/** This bundle's node kinds, named in META-INF/services/dev.kumiki.engine.NodeKindProvider. */
public final class StatsKinds implements NodeKindProvider {
    @Override
    public List<NodeKind<?>> kinds() {
        return List.of(new TensorStatsKind());
    }
}
