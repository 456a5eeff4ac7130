package dev.kumiki.ui.internal;

import org.eclipse.ui.IFolderLayout;
import org.eclipse.ui.IPageLayout;
import org.eclipse.ui.console.IConsoleConstants;
import org.eclipse.ui.IPerspectiveFactory;

import dev.kumiki.ui.StudioIds;

/**
 * The Kumiki perspective: pipelines in the editor area; the Project Explorer on the left; Properties (the selected
 * node's settings), Problems, Console and Progress below; the Hardware view on the right.
 */
public final class KumikiPerspective implements IPerspectiveFactory {

    @Override
    public void createInitialLayout(IPageLayout layout) {
        layout.setEditorAreaVisible(true);
        String editors = IPageLayout.ID_EDITOR_AREA;
        layout.addView(IPageLayout.ID_PROJECT_EXPLORER, IPageLayout.LEFT, 0.18f, editors);
        IFolderLayout bottom = layout.createFolder("bottom", IPageLayout.BOTTOM, 0.68f, editors);
        bottom.addView(IPageLayout.ID_PROP_SHEET);
        bottom.addView(IPageLayout.ID_PROBLEM_VIEW);
        bottom.addView(IConsoleConstants.ID_CONSOLE_VIEW);
        bottom.addView(IPageLayout.ID_PROGRESS_VIEW);
        bottom.addView(StudioIds.RESULTS_VIEW);
        bottom.addView(StudioIds.RUN_HISTORY_VIEW);
        layout.addView(StudioIds.HARDWARE_VIEW, IPageLayout.RIGHT, 0.78f, editors);
        for (String view : new String[] {IPageLayout.ID_PROJECT_EXPLORER, IPageLayout.ID_PROP_SHEET,
            IPageLayout.ID_PROBLEM_VIEW, IConsoleConstants.ID_CONSOLE_VIEW, IPageLayout.ID_PROGRESS_VIEW,
            StudioIds.HARDWARE_VIEW, StudioIds.RESULTS_VIEW, StudioIds.RUN_HISTORY_VIEW}) {
            layout.addShowViewShortcut(view);
        }
        layout.addNewWizardShortcut(StudioIds.NEW_PIPELINE_WIZARD);
        layout.addNewWizardShortcut("org.eclipse.ui.wizards.new.project");
        layout.addNewWizardShortcut("org.eclipse.ui.wizards.new.folder");
        layout.addPerspectiveShortcut(StudioIds.PERSPECTIVE);
    }
}
