package dev.kumiki.ui.internal;

import org.eclipse.ui.IPageLayout;
import org.eclipse.ui.IPerspectiveFactory;

import dev.kumiki.ui.StudioIds;

/** The Kumiki perspective: the editor area for pipelines, the Hardware view beside it. */
public final class KumikiPerspective implements IPerspectiveFactory {

    @Override
    public void createInitialLayout(IPageLayout layout) {
        layout.setEditorAreaVisible(true);
        layout.addView(StudioIds.HARDWARE_VIEW, IPageLayout.RIGHT, 0.75f, IPageLayout.ID_EDITOR_AREA);
        layout.addShowViewShortcut(StudioIds.HARDWARE_VIEW);
        layout.addPerspectiveShortcut(StudioIds.PERSPECTIVE);
    }
}
