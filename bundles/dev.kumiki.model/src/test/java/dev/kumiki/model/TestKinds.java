package dev.kumiki.model;

import java.util.Map;

import org.eclipse.emf.ecore.EAttribute;
import org.eclipse.emf.ecore.EClass;
import org.eclipse.emf.ecore.EClassifier;
import org.eclipse.emf.ecore.EEnum;
import org.eclipse.emf.ecore.EEnumLiteral;
import org.eclipse.emf.ecore.EPackage;
import org.eclipse.emf.ecore.EReference;
import org.eclipse.emf.ecore.EcoreFactory;
import org.eclipse.emf.ecore.EcorePackage;
import org.eclipse.emf.ecore.util.EcoreUtil;

import dev.kumiki.model.pipeline.PipelinePackage;

/** Node kinds made at run time (dynamic EMF), the way a third party's package would add them. */
final class TestKinds {
    static final EcoreFactory F = EcoreFactory.eINSTANCE;
    static final EPackage PACKAGE = F.createEPackage();
    static final EClass LOAD = kind("LoadModel");
    static final EClass MERGE = kind("Merge");
    static final EClass SAVE = kind("SaveModel");
    static final EClass PARAM = F.createEClass();
    static final EEnum METHOD = F.createEEnum();

    static {
        PACKAGE.setName("testnodes");
        PACKAGE.setNsURI("https://kumiki.dev/test/nodes");
        PACKAGE.setNsPrefix("testnodes");
        METHOD.setName("Method");
        for (String m : new String[] {"linear", "slerp", "ties"}) {
            EEnumLiteral l = F.createEEnumLiteral();
            l.setName(m);
            l.setLiteral(m);
            l.setValue(METHOD.getELiterals().size());
            METHOD.getELiterals().add(l);
        }
        PACKAGE.getEClassifiers().add(METHOD);
        PARAM.setName("MergeParameter");
        EAttribute name = attribute(PARAM, "name", EcorePackage.Literals.ESTRING, null);
        name.setID(true);
        EAttribute value = attribute(PARAM, "value", EcorePackage.Literals.ESTRING, null);
        EcoreUtil.setAnnotation(value, Settings.ANNOTATION, "yaml", "true");
        PACKAGE.getEClassifiers().add(PARAM);

        EcoreUtil.setDocumentation(attribute(LOAD, "path", EcorePackage.Literals.ESTRING, null),
                "The model folder.");
        attribute(MERGE, "method", METHOD, "linear");
        EReference params = F.createEReference();
        params.setName("parameters");
        params.setEType(PARAM);
        params.setContainment(true);
        params.setUpperBound(-1);
        MERGE.getEStructuralFeatures().add(params);
        EAttribute threads = attribute(MERGE, "threads", EcorePackage.Literals.EINT, "0");
        EcoreUtil.setAnnotation(threads, Settings.ANNOTATION, "min", "0");
        EAttribute range = attribute(MERGE, "layerRange", EcorePackage.Literals.EINT, null);
        range.setUpperBound(-1);
        attribute(MERGE, "normalize", EcorePackage.Literals.EBOOLEAN, "true");
        attribute(SAVE, "path", EcorePackage.Literals.ESTRING, null);
        attribute(SAVE, "shardSize", EcorePackage.Literals.ESTRING, "5GB");
        EPackage.Registry.INSTANCE.put(PACKAGE.getNsURI(), PACKAGE);
    }

    static final Map<String, EClass> ALL = Map.of("LoadModel", LOAD, "Merge", MERGE, "SaveModel", SAVE);

    private TestKinds() {
    }

    static EClass kind(String name) {
        EClass c = EcoreFactory.eINSTANCE.createEClass();
        c.setName(name);
        c.getESuperTypes().add(PipelinePackage.Literals.NODE_SETTINGS);
        PACKAGE.getEClassifiers().add(c);
        return c;
    }

    static EAttribute attribute(EClass owner, String name, EClassifier type, String defaultValue) {
        EAttribute a = F.createEAttribute();
        a.setName(name);
        a.setEType(type);
        a.setDefaultValueLiteral(defaultValue);
        owner.getEStructuralFeatures().add(a);
        return a;
    }
}
