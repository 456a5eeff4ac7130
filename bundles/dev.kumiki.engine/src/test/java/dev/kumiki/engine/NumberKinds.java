package dev.kumiki.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.emf.ecore.EAttribute;
import org.eclipse.emf.ecore.EClass;
import org.eclipse.emf.ecore.EClassifier;
import org.eclipse.emf.ecore.EPackage;
import org.eclipse.emf.ecore.EcoreFactory;
import org.eclipse.emf.ecore.EcorePackage;
import org.eclipse.emf.ecore.util.EcoreUtil;

import dev.kumiki.model.Settings;
import dev.kumiki.model.pipeline.NodeSettings;
import dev.kumiki.model.pipeline.PipelinePackage;

/**
 * Small node kinds over numbers, defined at run time (dynamic EMF), to test the engine apart from any model code:
 * Number (a constant), Sum (adds any number of inputs), Save (writes its input to a file and keeps it in the
 * cache), Slow (waits until cancelled), Fail (throws), Text (gives another port type).
 */
final class NumberKinds implements NodeKindProvider {
    static final PortType NUMBER = new PortType("number", "a number");
    static final PortType TEXT = new PortType("text", "some text");
    static final EPackage PACKAGE = EcoreFactory.eINSTANCE.createEPackage();
    static final EClass NUMBER_SETTINGS = kind("Number");
    static final EClass SUM_SETTINGS = kind("Sum");
    static final EClass SAVE_SETTINGS = kind("Save");
    static final EClass SLOW_SETTINGS = kind("Slow");
    static final EClass FAIL_SETTINGS = kind("Fail");
    static final EClass TEXT_SETTINGS = kind("Text");
    static final EClass PROBE_SETTINGS = kind("Probe");
    static final AtomicInteger running = new AtomicInteger();
    static final AtomicInteger mostAtOnce = new AtomicInteger();
    static final AtomicInteger SAVES = new AtomicInteger();
    static volatile CountDownLatch slowStarted = new CountDownLatch(1);

    static {
        PACKAGE.setName("numbers");
        PACKAGE.setNsURI("https://kumiki.dev/test/numbers");
        PACKAGE.setNsPrefix("numbers");
        EAttribute value = attribute(NUMBER_SETTINGS, "value", EcorePackage.Literals.EDOUBLE, "1");
        EcoreUtil.setAnnotation(value, Settings.ANNOTATION, "min", "0");
        EcoreUtil.setAnnotation(value, Settings.ANNOTATION, "max", "100");
        EcoreUtil.setDocumentation(value, "The number.");
        EAttribute path = attribute(SAVE_SETTINGS, "path", EcorePackage.Literals.ESTRING, null);
        path.setLowerBound(1);
        EcoreUtil.setDocumentation(path, "The file to write.");
        EPackage.Registry.INSTANCE.put(PACKAGE.getNsURI(), PACKAGE);
    }

    static EClass kind(String name) {
        EClass c = EcoreFactory.eINSTANCE.createEClass();
        c.setName(name);
        c.getESuperTypes().add(PipelinePackage.Literals.NODE_SETTINGS);
        PACKAGE.getEClassifiers().add(c);
        return c;
    }

    static EAttribute attribute(EClass owner, String name, EClassifier type, String defaultValue) {
        EAttribute a = EcoreFactory.eINSTANCE.createEAttribute();
        a.setName(name);
        a.setEType(type);
        a.setDefaultValueLiteral(defaultValue);
        owner.getEStructuralFeatures().add(a);
        return a;
    }

    record Num(double value) implements PortValue, PortSpec {
        @Override
        public PortSpec spec() {
            return this;
        }

        @Override
        public String summary() {
            return Double.toString(value);
        }
    }

    abstract static class Kind implements NodeKind<NodeSettings> {
        final EClass settings;

        Kind(EClass settings) {
            this.settings = settings;
        }

        @Override
        public EClass settingsClass() {
            return settings;
        }

        @Override
        public List<Port> inputs() {
            return List.of();
        }

        @Override
        public List<Port> outputs() {
            return List.of(Port.of("out", NUMBER, "the number"));
        }

        @Override
        public Map<String, PortSpec> configure(NodeSettings s, Inputs<PortSpec> inputs, ConfigureContext context) {
            return Map.of("out", new Num(0));
        }
    }

    static double sum(Inputs<PortValue> in, String port) {
        return in.all(port).stream().mapToDouble(c -> ((Num) c.value()).value()).sum();
    }

    @Override
    public List<NodeKind<?>> kinds() {
        return List.of(new Kind(NUMBER_SETTINGS) {
            @Override
            public Map<String, PortValue> execute(NodeSettings s, Inputs<PortValue> in, ExecuteContext c) {
                return Map.of("out", new Num((Double) s.eGet(NUMBER_SETTINGS.getEStructuralFeature("value"))));
            }
        }, new Kind(SUM_SETTINGS) {
            @Override
            public List<Port> inputs() {
                return List.of(new Port("in", NUMBER, "numbers to add", false, true));
            }

            @Override
            public Map<String, PortValue> execute(NodeSettings s, Inputs<PortValue> in, ExecuteContext c) {
                c.log("adding " + in.all("in").size() + " numbers");
                double partial = 0;
                for (int i = 0; i < in.all("in").size(); i++) {
                    partial += ((Num) in.all("in").get(i).value()).value();
                    c.metric("partial_sum", i + 1, partial);
                }
                return Map.of("out", new Num(sum(in, "in")));
            }
        }, new Kind(SAVE_SETTINGS) {
            @Override
            public List<Port> inputs() {
                return List.of(Port.of("in", NUMBER, "the number to save"));
            }

            @Override
            public Map<String, PortValue> execute(NodeSettings s, Inputs<PortValue> in, ExecuteContext c)
                    throws Exception {
                SAVES.incrementAndGet();
                Path file = c.resolve((String) s.eGet(SAVE_SETTINGS.getEStructuralFeature("path")));
                Files.writeString(file, Double.toString(sum(in, "in")));
                return Map.of("out", new Num(sum(in, "in")));
            }

            @Override
            public boolean cached() {
                return true;
            }

            @Override
            public String persist(String port, PortValue value) {
                return value.summary();
            }

            @Override
            public Optional<PortValue> restore(NodeSettings s, String port, String persisted, ConfigureContext c) {
                Path file = c.resolve((String) s.eGet(SAVE_SETTINGS.getEStructuralFeature("path")));
                return Files.exists(file) ? Optional.of(new Num(Double.parseDouble(persisted))) : Optional.empty();
            }
        }, new Kind(SLOW_SETTINGS) {
            @Override
            public List<Port> inputs() {
                return List.of(new Port("in", NUMBER, "anything", true, false));
            }

            @Override
            public Map<String, PortValue> execute(NodeSettings s, Inputs<PortValue> in, ExecuteContext c)
                    throws Exception {
                slowStarted.countDown();
                while (true) {
                    c.checkCancelled();
                    Thread.sleep(5);
                }
            }
        }, new Kind(FAIL_SETTINGS) {
            @Override
            public Map<String, PortValue> execute(NodeSettings s, Inputs<PortValue> in, ExecuteContext c)
                    throws Exception {
                throw new java.io.IOException("the disk is full (as this test pretends)");
            }
        }, new Kind(PROBE_SETTINGS) {
            @Override
            public Map<String, PortValue> execute(NodeSettings s, Inputs<PortValue> in, ExecuteContext c)
                    throws Exception {
                mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                Thread.sleep(200);
                running.decrementAndGet();
                return Map.of("out", new Num(1));
            }

            @Override
            public long memoryEstimate(NodeSettings s, Inputs<PortSpec> in) {
                return 100;
            }
        }, new Kind(TEXT_SETTINGS) {
            @Override
            public List<Port> outputs() {
                return List.of(Port.of("out", TEXT, "text"));
            }

            @Override
            public Map<String, PortValue> execute(NodeSettings s, Inputs<PortValue> in, ExecuteContext c) {
                return Map.of("out", new Num(0));
            }
        });
    }
}
