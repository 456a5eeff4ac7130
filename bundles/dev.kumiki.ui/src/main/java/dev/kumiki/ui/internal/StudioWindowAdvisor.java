package dev.kumiki.ui.internal;

import org.eclipse.core.resources.ResourcesPlugin;
import org.eclipse.core.runtime.ILog;
import org.eclipse.swt.graphics.Point;
import org.eclipse.ui.PartInitException;
import org.eclipse.ui.application.ActionBarAdvisor;
import org.eclipse.ui.application.IActionBarConfigurer;
import org.eclipse.ui.application.IWorkbenchWindowConfigurer;
import org.eclipse.ui.application.WorkbenchWindowAdvisor;

import dev.kumiki.ui.StudioIds;
import dev.kumiki.ui.internal.welcome.WelcomeEditor;

final class StudioWindowAdvisor extends WorkbenchWindowAdvisor {

    StudioWindowAdvisor(IWorkbenchWindowConfigurer configurer) {
        super(configurer);
    }

    @Override
    public ActionBarAdvisor createActionBarAdvisor(IActionBarConfigurer configurer) {
        return new StudioActionBarAdvisor(configurer);
    }

    @Override
    public void preWindowOpen() {
        IWorkbenchWindowConfigurer configurer = getWindowConfigurer();
        configurer.setInitialSize(new Point(1280, 800));
        configurer.setShowCoolBar(false);
        configurer.setShowStatusLine(true);
        configurer.setShowProgressIndicator(true);
        configurer.setShowPerspectiveBar(false);
        configurer.setTitle(StudioIds.WINDOW_TITLE);
    }

    @Override
    public void postWindowOpen() {
        // the workbench appends the perspective or editor name to titles it computes; Kumiki's stays fixed
        getWindowConfigurer().getWindow().getShell().setText(StudioIds.WINDOW_TITLE);
        // the text editors' action set comes with the IDE bundles; Kumiki has no text files to convert
        var page = getWindowConfigurer().getWindow().getActivePage();
        if (page != null) {
            page.hideActionSet("org.eclipse.ui.edit.text.actionSet.convertLineDelimitersTo");
        }
        // a first start (no projects yet): the Welcome page says where to begin
        if (page != null && ResourcesPlugin.getWorkspace().getRoot().getProjects().length == 0) {
            try {
                WelcomeEditor.open(page);
            } catch (PartInitException e) {
                ILog.of(StudioWindowAdvisor.class).error("the Welcome page could not be opened", e);
            }
        }
    }
}
