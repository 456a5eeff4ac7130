package dev.kumiki.model;

import java.util.Optional;
import java.util.OptionalDouble;

import org.eclipse.emf.ecore.EAttribute;
import org.eclipse.emf.ecore.EClass;
import org.eclipse.emf.ecore.EStructuralFeature;
import org.eclipse.emf.ecore.util.EcoreUtil;

import dev.kumiki.model.pipeline.PipelinePackage;

/**
 * What the model says about a node kind's settings: names as users write them, documentation, defaults and bounds.
 * Forms, the CLI's node reference and the YAML files all read it from here, so there is one source.
 *
 * <p>Bounds and the other Kumiki-specific facts are EAnnotations with source {@value #ANNOTATION} on a feature:
 * {@code min} and {@code max} (inclusive numbers), {@code yaml=true} for a string that holds a YAML value (written
 * into the file as YAML, not as a quoted string), {@code onNode=true} for a key setting that node editors show on
 * the node itself (a merge's method, a model's path), and on a settings EClass {@code category} for the palette.
 */
public final class Settings {
    /** Source of the EAnnotations with bounds and Kumiki-specific facts. */
    public static final String ANNOTATION = "https://kumiki.dev/settings";

    private Settings() {
    }

    /** Whether {@code type} is a node kind: a concrete EClass extending NodeSettings. */
    public static boolean isNodeKind(EClass type) {
        return !type.isAbstract() && !type.isInterface()
                && PipelinePackage.Literals.NODE_SETTINGS.isSuperTypeOf(type) && type != PipelinePackage.Literals.NODE_SETTINGS;
    }

    /** The name a setting has in files and on the command line: {@code shardSize} → {@code shard_size}. */
    public static String yamlName(EStructuralFeature feature) {
        return snake(feature.getName());
    }

    static String snake(String camel) {
        StringBuilder b = new StringBuilder();
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                b.append('_').append(Character.toLowerCase(c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** The feature of {@code type} a file names {@code yamlName}, if any. */
    public static Optional<EStructuralFeature> feature(EClass type, String yamlName) {
        return type.getEAllStructuralFeatures().stream().filter(f -> yamlName(f).equals(yamlName)).findFirst();
    }

    /** The setting's documentation (the GenModel documentation annotation), or "". */
    public static String documentation(EStructuralFeature feature) {
        String doc = EcoreUtil.getDocumentation(feature);
        return doc == null ? "" : doc;
    }

    /** The kind's documentation, or "". */
    public static String documentation(EClass type) {
        String doc = EcoreUtil.getDocumentation(type);
        return doc == null ? "" : doc;
    }

    /** A Kumiki annotation detail of a model element, if present. */
    public static Optional<String> detail(org.eclipse.emf.ecore.EModelElement element, String key) {
        return Optional.ofNullable(EcoreUtil.getAnnotation(element, ANNOTATION, key));
    }

    public static OptionalDouble min(EStructuralFeature feature) {
        return detail(feature, "min").map(v -> OptionalDouble.of(Double.parseDouble(v))).orElse(OptionalDouble.empty());
    }

    public static OptionalDouble max(EStructuralFeature feature) {
        return detail(feature, "max").map(v -> OptionalDouble.of(Double.parseDouble(v))).orElse(OptionalDouble.empty());
    }

    /** Whether a string setting holds a YAML value (a number, a list, filters), written into files as YAML. */
    public static boolean isYamlValued(EStructuralFeature feature) {
        return detail(feature, "yaml").map(Boolean::parseBoolean).orElse(false);
    }

    /**
     * Whether a setting is one of its kind's key settings, shown on the node itself on the canvas so that a pipeline
     * reads at a glance (a merge's method, a folder's path); a node kind of any bundle marks its own.
     */
    public static boolean isShownOnNode(EStructuralFeature feature) {
        return detail(feature, "onNode").map(Boolean::parseBoolean).orElse(false);
    }

    /** The palette category of a node kind, e.g. "Models" or "Merging". */
    public static String category(EClass kind) {
        return detail(kind, "category").orElse("Other");
    }

    /** The default as users would write it, or empty when the setting has none. */
    public static Optional<String> defaultText(EStructuralFeature feature) {
        if (feature instanceof EAttribute a && !a.isMany() && a.getDefaultValueLiteral() != null) {
            return Optional.of(a.getDefaultValueLiteral());
        }
        return Optional.empty();
    }

    /** The ID attribute of a class whose instances are written as a mapping keyed by it, if it has one. */
    public static Optional<EAttribute> key(EClass type) {
        return Optional.ofNullable(type.getEIDAttribute());
    }

    /** A range for messages: "between 0 and 1", "at least 1", or "". */
    public static String range(EStructuralFeature feature) {
        OptionalDouble min = min(feature);
        OptionalDouble max = max(feature);
        if (min.isPresent() && max.isPresent()) {
            return "between " + number(min.getAsDouble()) + " and " + number(max.getAsDouble());
        }
        if (min.isPresent()) {
            return "at least " + number(min.getAsDouble());
        }
        if (max.isPresent()) {
            return "at most " + number(max.getAsDouble());
        }
        return "";
    }

    static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
