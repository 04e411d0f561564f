/**
 * nnlab's JupyterLab plugin: the Layer Inspector and Training Runs side
 * panels, and the Export weights command (command palette, and the
 * inspector's button). The MIME renderers are a separate entry (mime.ts);
 * the plugin tells the run renderer's steering controls how to find an
 * output's kernel (steer.ts).
 */
import { ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, InputDialog, Notification } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { LabIcon } from '@jupyterlab/ui-components';
import { defaultExportModel, exportWeights } from './exportWeights';
import { LayerInspector } from './inspector';
import { TrainingRunsPanel } from './runs/panel';
import { setKernelLocator } from './steer';
import { NotebookWatcher } from './watcher';
import { setKernelSource } from './renderers/explain';

const EXPORT_COMMAND = 'nnlab:export-weights';

const inspectorIcon = new LabIcon({
  name: 'nnlab:layers',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24"><g class="jp-icon3" fill="#616161">' +
    '<path d="M12 2 1 7.5 12 13l11-5.5L12 2zm0 13.2L3.4 10.9 1 12.1 12 17.6l11-5.5-2.4-1.2L12 15.2zm0 4.6-8.6-4.3L1 16.7 12 22.2l11-5.5-2.4-1.2-8.6 4.3z"/></g></svg>',
});

const runsIcon = new LabIcon({
  name: 'nnlab:runs',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24"><g class="jp-icon3" fill="#616161">' +
    '<path d="M3 20h18v2H1V2h2v18zm3-3 4.5-6 3.5 3 5-7 1.6 1.2-6.3 8.8-3.5-3L7.6 18.2 6 17z"/></g></svg>',
});

const plugin: JupyterFrontEndPlugin<void> = {
  id: '@nnlab/jupyterlab-nnlab:plugin',
  description: 'Layer Inspector, Training Runs and Export weights for nnlab notebooks.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ) => {
    const watcher = new NotebookWatcher(tracker);
    // The live training display steers its run through the kernel of the notebook it is shown in.
    setKernelLocator(node => tracker.find(panel => panel.node.contains(node))?.sessionContext.session?.kernel ?? null);
    setKernelSource(() => watcher.kernel);

    const runExport = async (model?: string): Promise<void> => {
      const kernel = watcher.kernel;
      if (!watcher.panel || !kernel) {
        Notification.warning('Export weights: open a notebook with a running nnlab kernel first.');
        return;
      }
      // NOTE: the palette command asks which model whenever there is a choice (it once saved
      // the first model in the tree without asking); the inspector's button passes its selection.
      let name = model;
      if (!name) {
        await inspector.refresh();
        const models = inspector.models;
        const first = defaultExportModel(models, inspector.chosenModel);
        if (models.length === 1) name = models[0].name;
        else if (models.length > 1 && first) {
          const labels = models.map(m => `${m.name} (${m.className}, ${m.numParams.toLocaleString('en-US')} parameters${m.lastTrainedAt ? ', trained' : ''})`);
          const choice = await InputDialog.getItem({
            title: 'Export weights of which model?', label: 'Model', items: labels, current: models.findIndex(m => m.name === first),
          });
          name = choice.button.accept && choice.value ? models[labels.indexOf(choice.value)]?.name : undefined;
          if (!choice.button.accept) return;
        }
      }
      if (!name) {
        Notification.warning('Export weights: the kernel has no model (a Module in a notebook variable).');
        return;
      }
      const info = inspector.models.find(m => m.name === name);
      const id = Notification.emit(`Exporting the weights of ${name}…`, 'in-progress', { autoClose: false });
      try {
        const result = await exportWeights(kernel, app.serviceManager.contents, name, watcher.directory);
        const what = info ? `${name} (${info.className}, ${info.numParams.toLocaleString('en-US')} parameters)` : name;
        const message = `Saved the weights of ${what} to ${result.path} (${result.bytes.toLocaleString('en-US')} bytes)`;
        Notification.update({ id, message, type: 'success', autoClose: 5000 });
        inspector.node.dataset.lastExport = result.path;
        inspector.node.dataset.lastExportMessage = message;
      } catch (err) {
        Notification.update({ id, message: `Export weights failed: ${err instanceof Error ? err.message : String(err)}`, type: 'error', autoClose: false });
      }
    };

    const inspector = new LayerInspector(watcher, { exportWeights: runExport });
    inspector.title.icon = inspectorIcon;
    const runs = new TrainingRunsPanel(watcher, app.serviceManager.contents);
    runs.title.icon = runsIcon;
    app.shell.add(inspector, 'right', { rank: 600 });
    app.shell.add(runs, 'right', { rank: 610 });
    if (restorer) {
      restorer.add(inspector, inspector.id);
      restorer.add(runs, runs.id);
    }

    app.commands.addCommand(EXPORT_COMMAND, {
      label: 'Export Model Weights',
      caption: "Save a model's weights next to the notebook (safetensors, or a state-dict JSON)",
      isEnabled: () => watcher.kernel !== null,
      execute: args => runExport(typeof args.model === 'string' ? args.model : undefined),
    });
    app.commands.addCommand('nnlab:open-inspector', {
      label: 'Show Layer Inspector',
      execute: () => app.shell.activateById(inspector.id),
    });
    app.commands.addCommand('nnlab:open-training-runs', {
      label: 'Show Training Runs',
      execute: () => app.shell.activateById(runs.id),
    });
    if (palette) {
      for (const command of [EXPORT_COMMAND, 'nnlab:open-inspector', 'nnlab:open-training-runs']) palette.addItem({ command, category: 'nnlab' });
    }
  },
};

export default plugin;
