package dev.kumiki.cli.internal;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import org.eclipse.emf.ecore.EAttribute;
import org.eclipse.emf.ecore.EClass;
import org.eclipse.emf.ecore.EEnum;
import org.eclipse.emf.ecore.EEnumLiteral;
import org.eclipse.emf.ecore.EReference;
import org.eclipse.emf.ecore.EStructuralFeature;

import dev.kumiki.cli.Kumiki;
import dev.kumiki.engine.NodeKind;
import dev.kumiki.engine.NodeKinds;
import dev.kumiki.engine.Port;
import dev.kumiki.model.Settings;
import dev.kumiki.tensor.io.Names;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "nodes", mixinStandardHelpOptions = true,
        description = "The node reference: every node kind installed, or one kind's ports and settings with their "
                + "documentation, defaults and bounds (all read from the model, as the Studio's forms are).")
public final class NodesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "KIND", description = "a node kind, e.g. Merge")
    String kind;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        NodeKinds kinds = NodeKinds.discover();
        if (kind == null) {
            Map<String, List<NodeKind<?>>> byCategory = new TreeMap<>();
            for (NodeKind<?> k : kinds.all()) {
                byCategory.computeIfAbsent(Settings.category(k.settingsClass()), c -> new java.util.ArrayList<>()).add(k);
            }
            byCategory.forEach((category, list) -> {
                out.println(category + ":");
                for (NodeKind<?> k : list) {
                    out.printf("  %-20s %s%n", k.name(), firstSentence(Settings.documentation(k.settingsClass())));
                }
            });
            out.println();
            out.println("Details of one kind: kumiki nodes KIND");
            return Kumiki.OK;
        }
        NodeKind<?> k = kinds.get(kind).orElseThrow(() -> new IllegalArgumentException("there is no node kind '"
                + kind + "'" + Names.suggestion(kind, kinds.settingsClasses().keySet()) + "; kinds: "
                + String.join(", ", kinds.settingsClasses().keySet())));
        EClass type = k.settingsClass();
        out.println(k.name() + " (" + Settings.category(type) + ")");
        out.println();
        out.println(wrap(Settings.documentation(type), "  "));
        out.println();
        ports(out, "Inputs", k.inputs());
        ports(out, "Outputs", k.outputs());
        out.println("Settings:");
        settings(out, type, "  ");
        return Kumiki.OK;
    }

    private static void ports(PrintWriter out, String title, List<Port> ports) {
        out.println(title + ":" + (ports.isEmpty() ? " none" : ""));
        for (Port p : ports) {
            out.printf("  %-14s %s%s — %s%n", p.name(), p.type().name(), p.multiple() ? " (any number)"
                    : p.optional() ? " (optional)" : "", p.description());
        }
        out.println();
    }

    private static void settings(PrintWriter out, EClass type, String indent) {
        for (EStructuralFeature f : type.getEAllStructuralFeatures()) {
            StringBuilder line = new StringBuilder(indent).append(Settings.yamlName(f));
            if (f instanceof EAttribute a) {
                line.append(" (").append(a.getEAttributeType() instanceof EEnum ? "one of" : typeName(a))
                        .append(f.isMany() ? ", a list" : "").append(f.getLowerBound() > 0 ? ", required" : "");
                Settings.defaultText(f).ifPresent(d -> line.append(", default ").append(d));
                String range = Settings.range(f);
                if (!range.isEmpty()) {
                    line.append(", ").append(range);
                }
                line.append(")");
            } else {
                line.append(" (").append(((EReference) f).getEReferenceType().getName()).append(f.isMany() ? " list" : "")
                        .append(")");
            }
            out.println(line);
            out.println(wrap(Settings.documentation(f), indent + "    "));
            if (f instanceof EAttribute a && a.getEAttributeType() instanceof EEnum e) {
                for (EEnumLiteral l : e.getELiterals()) {
                    String doc = org.eclipse.emf.ecore.util.EcoreUtil.getDocumentation(l);
                    out.printf("%s    %-17s %s%n", indent, l.getName(), doc == null ? "" : doc);
                }
            }
        }
    }

    private static String typeName(EAttribute a) {
        Class<?> c = a.getEAttributeType().getInstanceClass();
        if (c == int.class || c == long.class) {
            return "whole number";
        }
        if (c == double.class || c == float.class) {
            return "number";
        }
        if (c == boolean.class) {
            return "true or false";
        }
        return Settings.isYamlValued(a) ? "YAML value" : "text";
    }

    static String firstSentence(String doc) {
        int dot = doc.indexOf(". ");
        return dot < 0 ? doc : doc.substring(0, dot + 1);
    }

    static String wrap(String text, String indent) {
        StringBuilder b = new StringBuilder();
        StringBuilder line = new StringBuilder(indent);
        for (String word : text.split("\\s+")) {
            if (line.length() + word.length() > 100 && line.length() > indent.length()) {
                b.append(line.toString().stripTrailing()).append('\n');
                line = new StringBuilder(indent);
            }
            line.append(word).append(' ');
        }
        return b.append(line.toString().stripTrailing()).toString();
    }
}
