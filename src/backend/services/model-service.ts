// listModels / importModel: the model registry (backend/models) as contract DTOs.
import type { ModelInfoDto } from '../../shared/contract.ts';
import type { ModelInfo, ModelZoo } from '../models/index.ts';
import { namingFile, requireString } from './service-errors.ts';

export function toModelInfoDto(m: ModelInfo): ModelInfoDto {
  return {
    name: m.name,
    kind: m.kind,
    installed: m.installed,
    path: m.path,
    nChannels: m.nChannels,
    diamMean: m.diamMean,
    diamLabels: m.diamLabels,
    hasSizeModel: m.hasSizeModel,
  };
}

export function createModelService(zoo: ModelZoo) {
  return {
    async listModels(): Promise<ModelInfoDto[]> {
      return (await zoo.listModels()).map(toModelInfoDto);
    },
    async importModel(req: { path: string }): Promise<ModelInfoDto> {
      const file = requireString('importModel', req, 'path');
      return toModelInfoDto(await namingFile(file, () => zoo.importModel(file)));
    },
  };
}
