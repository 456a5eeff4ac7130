package dev.kumiki.ui.internal.editor;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.eclipse.core.runtime.IAdaptable;
import org.eclipse.emf.ecore.EAttribute;
import org.eclipse.emf.ecore.EEnum;
import org.eclipse.emf.ecore.EEnumLiteral;
import org.eclipse.emf.ecore.EStructuralFeature;
import org.eclipse.ui.views.properties.ComboBoxPropertyDescriptor;
import org.eclipse.ui.views.properties.IPropertyDescriptor;
import org.eclipse.ui.views.properties.IPropertySource;
import org.eclipse.ui.views.properties.PropertyDescriptor;
import org.eclipse.ui.views.properties.TextPropertyDescriptor;

import dev.kumiki.canvas.CanvasSession;
import dev.kumiki.engine.Diagnostic;
import dev.kumiki.engine.ParameterField;
import dev.kumiki.model.Settings;
import dev.kumiki.model.pipeline.Node;

/**
 * A node selected on the canvas, in the Properties view: its settings as the settings EClass describes them (name,
 * documentation, choices for enumerations), its problems, and what it will produce. Each edit is one undoable
 * command on the editor's stack; values the node cannot take are refused in the cell with the reason.
 */
public final class NodeProperties implements IPropertySource, IAdaptable {
    private static final String SETTINGS = "Settings";
    private static final String PROBLEMS = "Problems";
    private static final String OUTPUTS = "Outputs";
    private static final String PARAMETERS = "Method parameters";
    private static final String PARAMETER = "param:";

    private final CanvasSession session;
    private final String id;

    public NodeProperties(CanvasSession session, String id) {
        this.session = session;
        this.id = id;
    }

    public String nodeId() {
        return id;
    }

    private Optional<Node> node() {
        return session.findNode(id);
    }

    @Override
    public Object getEditableValue() {
        return this;
    }

    @Override
    public IPropertyDescriptor[] getPropertyDescriptors() {
        Optional<Node> node = node();
        if (node.isEmpty()) {
            return new IPropertyDescriptor[0];
        }
        List<IPropertyDescriptor> out = new ArrayList<>();
        for (EStructuralFeature f : node.get().getSettings().eClass().getEAllStructuralFeatures()) {
            String name = Settings.yamlName(f);
            PropertyDescriptor d;
            if (f instanceof EAttribute a && a.getEAttributeType() instanceof EEnum e) {
                d = new ComboBoxPropertyDescriptor(name, name,
                        e.getELiterals().stream().map(EEnumLiteral::getName).toArray(String[]::new));
            } else {
                TextPropertyDescriptor t = new TextPropertyDescriptor(name, name);
                t.setValidator(value -> validate(name, String.valueOf(value)));
                d = t;
            }
            d.setCategory(SETTINGS);
            String range = Settings.range(f);
            d.setDescription(Settings.documentation(f) + (range.isEmpty() ? "" : " (" + range + ")"));
            out.add(d);
        }
        // the method's parameters, from the merge library's definitions: each a number or a gradient (a list)
        for (ParameterField field : session.fields(id)) {
            TextPropertyDescriptor t = new TextPropertyDescriptor(PARAMETER + field.path(), field.label());
            t.setValidator(value -> validate(field.path(), yaml(String.valueOf(value))));
            t.setCategory(PARAMETERS);
            String range = (field.min().isPresent() ? "≥ " + field.min().getAsDouble() : "")
                    + (field.min().isPresent() && field.max().isPresent() ? ", " : "")
                    + (field.max().isPresent() ? "≤ " + field.max().getAsDouble() : "");
            t.setDescription(field.doc() + (field.kind() == ParameterField.Kind.NUMBER
                    ? "; a number, or numbers separated by commas for a gradient over the layers" : "; true or false")
                    + field.defaultValue().map(d -> " (default " + d + ")").orElse(" (required)")
                    + (range.isEmpty() ? "" : " (" + range + ")"));
            out.add(t);
        }
        int i = 0;
        for (Diagnostic diagnostic : session.configuration().of(id)) {
            PropertyDescriptor d = new PropertyDescriptor("problem:" + i++, diagnostic.settingName().orElse("node"));
            d.setCategory(PROBLEMS);
            d.setDescription(diagnostic.message());
            out.add(d);
        }
        session.configuration().specs().getOrDefault(id, java.util.Map.of()).keySet().forEach(port -> {
            PropertyDescriptor d = new PropertyDescriptor("output:" + port, port);
            d.setCategory(OUTPUTS);
            out.add(d);
        });
        return out.toArray(IPropertyDescriptor[]::new);
    }

    /** Why {@code value} cannot be taken for {@code setting} (the cell shows it), or null when it can. */
    public String validate(String setting, String value) {
        return session.checkSetting(id, setting, value).orElse(null);
    }

    @Override
    public Object getPropertyValue(Object key) {
        String k = (String) key;
        if (k.startsWith("problem:")) {
            List<Diagnostic> all = session.configuration().of(id);
            int i = Integer.parseInt(k.substring("problem:".length()));
            return i < all.size() ? all.get(i).severity().name().toLowerCase() + ": " + all.get(i).message() : "";
        }
        if (k.startsWith(PARAMETER)) {
            String path = k.substring(PARAMETER.length());
            return session.fields(id).stream().filter(f -> f.path().equals(path)).findFirst()
                    .map(ParameterField::value).orElse("");
        }
        if (k.startsWith("output:")) {
            var spec = session.configuration().spec(id, k.substring("output:".length()));
            return spec.map(s -> s.summary()).orElse("");
        }
        Optional<Node> node = node();
        if (node.isEmpty()) {
            return "";
        }
        EStructuralFeature f = Settings.feature(node.get().getSettings().eClass(), k).orElseThrow();
        String text = session.kinds().yaml().valueText(node.get().getSettings(), f);
        if (f instanceof EAttribute a && a.getEAttributeType() instanceof EEnum e) {
            EEnumLiteral l = e.getEEnumLiteral(text);
            return l == null ? 0 : e.getELiterals().indexOf(l);
        }
        return text;
    }

    @Override
    public boolean isPropertySet(Object key) {
        return false;
    }

    @Override
    public void resetPropertyValue(Object key) {
        // defaults are set by typing them
    }

    @Override
    public void setPropertyValue(Object key, Object value) {
        String k = (String) key;
        if (k.startsWith(PARAMETER)) {
            String path = k.substring(PARAMETER.length());
            String text = yaml(String.valueOf(value));
            if (!text.isEmpty() && !text.equals(getPropertyValue(key))) {
                session.setSettingCommand(id, path, text);
            }
            return;
        }
        Optional<Node> node = node();
        if (node.isEmpty()) {
            return;
        }
        EStructuralFeature f = Settings.feature(node.get().getSettings().eClass(), k).orElseThrow();
        String text = value instanceof Integer index && f instanceof EAttribute a && a.getEAttributeType() instanceof EEnum e
                ? e.getELiterals().get(index).getName() : String.valueOf(value);
        if (!text.equals(session.kinds().yaml().valueText(node.get().getSettings(), f))) {
            session.setSettingCommand(id, k, text);
        }
    }

    /** A number, or numbers separated by commas (a gradient), as the YAML a parameter takes; other YAML as typed. */
    static String yaml(String text) {
        String t = text.strip();
        if (t.startsWith("[") || t.startsWith("{") || !t.contains(",")) {
            return t;
        }
        return "[" + String.join(", ", java.util.Arrays.stream(t.split(",")).map(String::strip).toList()) + "]";
    }

    @Override
    public <T> T getAdapter(Class<T> adapter) {
        return adapter.isInstance(this) ? adapter.cast(this) : null;
    }

    @Override
    public String toString() {
        return id;
    }
}
