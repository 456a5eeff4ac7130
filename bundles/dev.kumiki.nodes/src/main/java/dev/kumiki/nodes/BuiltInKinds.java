package dev.kumiki.nodes;

import java.util.List;

import dev.kumiki.engine.NodeKind;
import dev.kumiki.engine.NodeKindProvider;

/**
 * The node kinds built into Kumiki. They are added the way any other kinds are: this class is named in
 * META-INF/services/dev.kumiki.engine.NodeKindProvider.
 */
public final class BuiltInKinds implements NodeKindProvider {
    @Override
    public List<NodeKind<?>> kinds() {
        return List.of(new LoadModelKind(), new MergeKind(), new SaveModelKind(), new ExportMergekitYamlKind(),
                new EvaluateKind(), new GenerateKind(), new DatasetKind(), new TrainKind(), new ApplyAdapterKind(),
                new EvolveMergeKind(), new CheckKind(), new ReportKind());
    }
}
