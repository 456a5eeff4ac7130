package dev.kumiki.codegen;

import java.io.File;

import org.eclipse.emf.codegen.ecore.generator.Generator;
import org.eclipse.emf.codegen.ecore.generator.GeneratorAdapterFactory;
import org.eclipse.emf.codegen.ecore.genmodel.GenModel;
import org.eclipse.emf.codegen.ecore.genmodel.GenModelPackage;
import org.eclipse.emf.codegen.ecore.genmodel.generator.GenBaseGeneratorAdapter;
import org.eclipse.emf.codegen.ecore.genmodel.generator.GenModelGeneratorAdapterFactory;
import org.eclipse.emf.common.util.BasicMonitor;
import org.eclipse.emf.common.util.Diagnostic;
import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.EcorePackage;
import org.eclipse.emf.ecore.plugin.EcorePlugin;
import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.emf.ecore.resource.ResourceSet;
import org.eclipse.emf.ecore.resource.impl.ResourceSetImpl;
import org.eclipse.emf.ecore.xmi.impl.EcoreResourceFactoryImpl;
import org.eclipse.emf.ecore.xmi.impl.XMIResourceFactoryImpl;

/**
 * Generates a bundle's EMF model code from its .genmodel, outside Eclipse (no workspace, no OSGi), during the Maven
 * build. Other bundles' models a genmodel refers to are found through {@code platform:/resource/<bundle>/}, mapped to
 * the sibling bundle folders.
 *
 * <p>Arguments: the bundle's name, its folder, the genmodel's path inside it, and any further folders whose
 * subfolders are bundles a genmodel may refer to (the bundle's own siblings always are), e.g.
 * {@code dev.kumiki.model bundles/dev.kumiki.model model/pipeline.genmodel bundles}.
 */
public final class GenerateModel {
    private GenerateModel() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: GenerateModel BUNDLE BUNDLE_DIR GENMODEL_PATH [BUNDLES_DIR…]");
            System.exit(2);
        }
        String bundle = args[0];
        File bundleDir = new File(args[1]).getCanonicalFile();
        String genmodelPath = args[2];
        long start = System.nanoTime();

        java.util.List<File> bundleDirs = new java.util.ArrayList<>();
        bundleDirs.add(bundleDir.getParentFile());
        for (int i = 3; i < args.length; i++) {
            bundleDirs.add(new File(args[i]).getCanonicalFile());
        }
        for (File dir : bundleDirs) {
            File[] bundles = dir.listFiles(File::isDirectory);
            for (File b : bundles == null ? new File[0] : bundles) {
                EcorePlugin.getPlatformResourceMap().putIfAbsent(b.getName(),
                        URI.createFileURI(b.getPath() + File.separator));
            }
        }
        EcorePlugin.getPlatformResourceMap().put(bundle, URI.createFileURI(bundleDir.getPath() + File.separator));

        ResourceSet resources = new ResourceSetImpl();
        resources.getResourceFactoryRegistry().getExtensionToFactoryMap().put("ecore", new EcoreResourceFactoryImpl());
        resources.getResourceFactoryRegistry().getExtensionToFactoryMap().put("*", new XMIResourceFactoryImpl());
        resources.getPackageRegistry().put(EcorePackage.eNS_URI, EcorePackage.eINSTANCE);
        resources.getPackageRegistry().put(GenModelPackage.eNS_URI, GenModelPackage.eINSTANCE);
        resources.getURIConverter().getURIMap().putAll(EcorePlugin.computePlatformURIMap(false));

        URI uri = URI.createPlatformResourceURI("/" + bundle + "/" + genmodelPath, true);
        Resource resource = resources.getResource(uri, true);
        GenModel genModel = (GenModel) resource.getContents().get(0);
        genModel.reconcile();
        genModel.setCanGenerate(true);
        genModel.setValidateModel(false);

        Diagnostic problems = genModel.diagnose();
        if (problems.getSeverity() == Diagnostic.ERROR) {
            System.err.println(genmodelPath + " is not valid: " + problems);
            System.exit(1);
        }

        GeneratorAdapterFactory.Descriptor.Registry.INSTANCE.addDescriptor(GenModelPackage.eNS_URI,
                GenModelGeneratorAdapterFactory.DESCRIPTOR);
        Generator generator = new Generator();
        generator.setInput(genModel);
        Diagnostic result = generator.generate(genModel, GenBaseGeneratorAdapter.MODEL_PROJECT_TYPE,
                new BasicMonitor());
        System.out.printf("%s: EMF model code generated in %d ms%n", bundle, (System.nanoTime() - start) / 1_000_000);
        if (result.getSeverity() == Diagnostic.ERROR) {
            System.err.println(result);
            System.exit(1);
        }
    }
}
