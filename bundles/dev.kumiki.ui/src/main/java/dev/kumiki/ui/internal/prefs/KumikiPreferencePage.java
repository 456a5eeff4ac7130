package dev.kumiki.ui.internal.prefs;

import org.eclipse.jface.preference.ComboFieldEditor;
import org.eclipse.jface.preference.DirectoryFieldEditor;
import org.eclipse.jface.preference.FieldEditorPreferencePage;
import org.eclipse.jface.preference.IntegerFieldEditor;
import org.eclipse.ui.IWorkbench;
import org.eclipse.ui.IWorkbenchPreferencePage;

import dev.kumiki.tensor.hardware.HardwareProfile;

/** Window > Preferences > Kumiki: the backend, worker threads and the cache folder of runs. */
public final class KumikiPreferencePage extends FieldEditorPreferencePage implements IWorkbenchPreferencePage {

    public KumikiPreferencePage() {
        super(GRID);
        setPreferenceStore(StudioPreferences.store());
        setDescription("How the Studio runs pipelines. The detected hardware picks the "
                + HardwareProfile.detect().backend().id() + " backend.");
    }

    @Override
    protected void createFieldEditors() {
        addField(new ComboFieldEditor(StudioPreferences.BACKEND, "&Backend:", new String[][] {
            {"detected from the hardware", StudioPreferences.AUTO}, {"a64fx (512-bit SVE kernels)", "a64fx"},
            {"vector (Java Vector API kernels)", "vector"}, {"scalar (reference kernels)", "scalar"}},
                getFieldEditorParent()));
        IntegerFieldEditor threads = new IntegerFieldEditor(StudioPreferences.THREADS,
                "Worker &threads per node (0: every core):", getFieldEditorParent());
        threads.setValidRange(0, 1024);
        addField(threads);
        addField(new DirectoryFieldEditor(StudioPreferences.CACHE_FOLDER,
                "&Cache folder (empty: .kumiki/cache beside each pipeline):", getFieldEditorParent()) {
            @Override
            protected boolean doCheckState() {
                return getStringValue().isBlank() || super.doCheckState();
            }
        });
    }

    @Override
    public void init(IWorkbench workbench) {
        // the store is set in the constructor
    }
}
